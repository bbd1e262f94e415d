import Foundation
import Testing
@testable import Whisper

/// A fresh directory under the system's temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init(_ label: String = "model-format") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("auris-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` and returns the `WhisperError` it throws; records an issue when it throws
/// nothing or something else.
@discardableResult
func expectModelFormatError(
    _ code: WhisperError.Code,
    mentioning fragments: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> WhisperError? {
    do {
        try body()
        Issue.record("expected a WhisperError \(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as WhisperError {
        #expect(error.code == code, "wrong code; message: \(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "message lacks \"\(fragment)\": \(error.message)", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a WhisperError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The real default model: `AURIS_DEFAULT_MODEL`, else `models/whisper-tiny.en` at the package
/// root; nil when neither holds a `model.bin`.
enum RealDefaultModel {
    static let directory: URL? = {
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["AURIS_DEFAULT_MODEL"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        // Tests/WhisperTests/ModelFormat/<this file> → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent("models/whisper-tiny.en"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.bin").path) }
    }()

    static let skipReason: Comment = "no real model: set AURIS_DEFAULT_MODEL to a CTranslate2 whisper-tiny.en directory, or place one at models/whisper-tiny.en"
}

extension Array where Element == Float {
    /// Largest absolute element-wise difference.
    func maxDifference(_ other: [Float]) -> Float {
        precondition(count == other.count)
        return zip(self, other).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }
}
