import Foundation
import Testing
@testable import Whisper

/// The one-pass features: frames kept from the only decode, in memory or in an unlinked file,
/// give the same windows either way and leave nothing on disk.
@Suite("Streaming features")
struct StreamingFeaturesTests {
    /// 70 s of a chirp with noise: three windows, the last one partial.
    static let samples: [Float] = {
        var state: UInt32 = 12_345
        return (0..<(70 * 16_000)).map { index in
            state = state &* 1_664_525 &+ 1_013_904_223
            let t = Float(index) / 16_000
            return 0.3 * sinf(2 * .pi * (200 + 40 * t) * t) + 0.05 * (Float(state >> 8) / Float(1 << 24) - 0.5)
        }
    }()

    static func features(memoryLimitBytes: Int, directory: String) throws -> StreamingFeatures {
        var offset = 0
        return try StreamingFeatures(melBins: 80, memoryLimitBytes: memoryLimitBytes, temporaryDirectory: directory) {
            let chunk = Array(samples[offset..<min(offset + 16_000, samples.count)])
            offset += chunk.count
            return chunk
        }
    }

    @Test func spilledFramesGiveTheSameWindowsAsFramesInMemory() throws {
        let directory = try TemporaryDirectory("features")
        let inMemory = try Self.features(memoryLimitBytes: 64 << 20, directory: directory.url.path)
        let spilled = try Self.features(memoryLimitBytes: 0, directory: directory.url.path)
        #expect(!inMemory.isSpilledToDisk && spilled.isSpilledToDisk)
        #expect(inMemory.frameCount == 70 * 100 + 1 && spilled.frameCount == inMemory.frameCount)
        for start in [0, 3000, 6000, 1234] {
            let frames = min(3000, inMemory.contentFrames - start)
            #expect(try inMemory.window(startFrame: start, frameCount: frames) == spilled.window(startFrame: start, frameCount: frames),
                    "window at frame \(start)")
        }
        // Windows may be read in any order (language detection reads the first one again).
        #expect(try spilled.window(startFrame: 0, frameCount: 3000) == inMemory.window(startFrame: 0, frameCount: 3000))
    }

    @Test func theSpillFileHasNoNameToLeave() throws {
        let directory = try TemporaryDirectory("features")
        let spilled = try Self.features(memoryLimitBytes: 0, directory: directory.url.path)
        #expect(spilled.isSpilledToDisk)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty, "unlinked as soon as it was made")
        _ = try spilled.window(startFrame: 3000, frameCount: 3000)
    }

    @Test func anUnwritableDirectorySaysWhatToChange() throws {
        let error = #expect(throws: WhisperError.self) {
            try Self.features(memoryLimitBytes: 0, directory: "/nonexistent/auris-frames")
        }
        #expect(error?.code == .featureStorage)
        #expect(error?.message.contains("TMPDIR") == true, "\(error?.message ?? "")")
    }
}

