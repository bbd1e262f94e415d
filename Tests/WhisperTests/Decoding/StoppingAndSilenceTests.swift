import Foundation
import Synchronization
import Testing
@testable import Whisper

/// A transcription stops within one decoding step when asked, and skips windows with no sound
/// without encoding them (Note [Silent windows]).
@Suite("Stopping and silent windows")
struct StoppingAndSilenceTests {
    @Test("a stop lands within one decoding step, mid-window")
    func stopWithinAStep() throws {
        let fed = Mutex(0)
        let runner = ScriptedRunner(script: { _ in
            fed.withLock { $0 += 1 }
            return Row.peak(1)   // never a timestamp or end of text: 224 tokens a pass, 6 passes
        })
        let stopAfter = 20
        let transcriber = Transcriber(runner: runner, vocabulary: FakeVocabulary(),
                                      options: DecodingOptions(samplingSeed: 1),
                                      shouldStop: { fed.withLock { $0 } >= stopAfter })
        #expect(throws: CancellationError.self) {
            try transcriber.transcribe(CountingFeatures(frameCount: 3001)) { _ in }
        }
        let steps = fed.withLock { $0 }
        #expect(steps <= stopAfter + 1, "\(steps) steps fed; the stop was due after \(stopAfter)")
        #expect(runner.prompts.count == 1, "still in the first pass of the first window")
    }

    /// 16 kHz samples: `seconds` of white noise at `level` dBFS (RMS), or silence for nil.
    /// Broadband sound, like speech: a pure tone puts all its power in one mel band and reads
    /// about 8 dB louder (which only keeps it further from being skipped).
    static func noise(seconds: Double, level: Double?) -> [Float] {
        let count = Int(seconds * 16_000)
        guard let level else { return [Float](repeating: 0, count: count) }
        let amplitude = Float(pow(10, level / 20) * 3.0.squareRoot())   // uniform in ±a has RMS a/√3
        var generator = SeededRandomGenerator(seed: 11)
        return (0..<count).map { _ in Float.random(in: -amplitude...amplitude, using: &generator) }
    }

    static func features(_ samples: [Float]) throws -> StreamingFeatures {
        var chunks = stride(from: 0, to: samples.count, by: 16_000).map { Array(samples[$0..<min($0 + 16_000, samples.count)]) }
        chunks.append([])
        var next = 0
        return try StreamingFeatures(melBins: 80) {
            defer { next += 1 }
            return chunks[next]
        }
    }

    @Test("the loudness kept while streaming reads as dBFS", arguments: [-20.0, -50.0, -80.0])
    func peakLevelIsCalibrated(level: Double) throws {
        let features = try Self.features(Self.noise(seconds: 3, level: level))
        let peak = try #require(features.peakLevel(startFrame: 0, frameCount: features.frameCount))
        #expect(abs(peak - level) < 3, "\(level) dBFS noise reads \(peak) dBFS")
        let silent = try Self.features(Self.noise(seconds: 3, level: nil))
        #expect(try #require(silent.peakLevel(startFrame: 0, frameCount: silent.frameCount)) < -100)
    }

    @Test("windows of silence are skipped unencoded; quiet noise is not, nor anything when the gate is off")
    func silentWindowsAreSkipped() throws {
        // 65 s: 30 s of digital silence, 30 s of noise at -50 dBFS, then 5 s of silence.
        let samples = Self.noise(seconds: 30, level: nil) + Self.noise(seconds: 30, level: -50) + Self.noise(seconds: 5, level: nil)
        let features = try Self.features(samples)
        let runner = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)]))
        var segments: [TranscriptSegment] = []
        try Transcriber(runner: runner, vocabulary: FakeVocabulary(), options: DecodingOptions(samplingSeed: 1))
            .transcribe(features) { if case .segment(let segment) = $0 { segments.append(segment) } }
        #expect(runner.windows.count >= 1 && segments.allSatisfy { $0.start >= 30 }, "\(segments.map(\.start))")
        let encodedStarts = runner.windows.count
        var options = DecodingOptions(samplingSeed: 1)
        options.silentWindowLevel = nil
        let everything = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)]))
        try Transcriber(runner: everything, vocabulary: FakeVocabulary(), options: options).transcribe(features) { _ in }
        #expect(everything.windows.count > encodedStarts, "without the gate the silent windows are encoded too")
    }
}
