import DeviceMemory
import Foundation
import Tensor
import Testing
import Whisper

/// The committed golden clips, faster-whisper's transcripts of them, and one engine on the
/// default model shared by the engine tests.
enum GoldenFixtures {
    struct Reference: Decodable, Sendable, CustomTestStringConvertible {
        struct Segment: Decodable, Sendable {
            let start: Double, end: Double, text: String, tokens: [Int]
        }
        let file: String
        let committed: Bool
        let text: String
        let segments: [Segment]
        var testDescription: String { file }
    }

    struct References: Decodable { let clips: [Reference] }

    static let goldenDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")
    static let packageRoot = goldenDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The references, or why they could not be read: an unreadable file must fail a test
    /// (`GoldenTranscriptionTests.referencesLoad`), not quietly give the clip tests no cases.
    static let loadedReferences: Result<[Reference], any Error> = Result {
        let data = try Data(contentsOf: goldenDirectory.appendingPathComponent("references.json"))
        return try JSONDecoder().decode(References.self, from: data).clips
    }

    static var references: [Reference] { (try? loadedReferences.get()) ?? [] }

    static func clipPath(_ reference: Reference) -> String {
        goldenDirectory.appendingPathComponent("clips").appendingPathComponent(reference.file).path
    }

    /// The multi-minute clips, made once per test run by `make-clips.py --generated`, which
    /// checks that their bytes are those the references were made from.
    static let generatedClips: Result<Void, any Error> = Result {
        let script = packageRoot.appendingPathComponent("scripts/golden/make-clips.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--generated"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey:
                "make-clips.py --generated exited \(process.terminationStatus) (2 = different bytes than the references were made from)"])
        }
    }

    /// The default model, where `make test` installs it, or `$AURIS_DEFAULT_MODEL`.
    static let modelDirectory: URL? = {
        let environment = ProcessInfo.processInfo.environment["AURIS_DEFAULT_MODEL"].map { URL(fileURLWithPath: $0) }
        let candidates = [environment, packageRoot.appendingPathComponent("models/whisper-tiny.en")].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("model.bin").path) }
    }()

    /// `make test` sets AURIS_REQUIRE_MODEL=1: there the model tests run, and a missing model
    /// fails them (at their `#require(modelDirectory)`) instead of skipping them.
    static var modelRuns: Bool {
        modelDirectory != nil || ProcessInfo.processInfo.environment["AURIS_REQUIRE_MODEL"] == "1"
    }

    static let skipReason: Comment = "the default model is not installed (scripts/install-model.sh)"

    /// The options the references were made with: greedy, temperature 0 only, no conditioning
    /// on previous text, English.
    static var goldenOptions: DecodingOptions {
        var options = DecodingOptions()
        options.temperatures = [0]
        options.conditionOnPreviousText = false
        options.language = "en"
        return options
    }

    /// A fresh engine on its own host allocator, so tests can read exact memory figures.
    static func makeEngine(threads: Int = 2) throws -> (WhisperEngine, CachingAllocator) {
        let allocator = try CachingAllocator(backend: HostMemory())
        let engine = try WhisperEngine(directory: try #require(modelDirectory), backend: CPUBackend(allocator: allocator, threads: threads))
        return (engine, allocator)
    }
}
