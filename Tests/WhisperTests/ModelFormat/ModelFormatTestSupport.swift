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


extension Array where Element == Float {
    /// Largest absolute element-wise difference.
    func maxDifference(_ other: [Float]) -> Float {
        precondition(count == other.count)
        return zip(self, other).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }
}
