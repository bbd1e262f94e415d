import Audio
import DeviceMemory
import Foundation
import Tensor
import Testing
import Whisper

/// Auris against CTranslate2 stage by stage on a clip longer than 30 s (both windows): log-mel
/// features, encoder output, and the logit of the token CTranslate2 chose at every decoding step
/// with the same history. The reference (Golden/stages.json) is a compact extract made by
/// `Benchmarks/Whisper/compare_stages.py --write-reference`; that script also prints the full
/// comparison. Largest differences measured are in docs/speech-engine.md.
@Suite("Stages against CTranslate2", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct StageComparisonTests {
    struct Reference: Decodable {
        struct Window: Decodable {
            let start_frame: Int, frames: Int, prompt_length: Int, tokens: [Int]
            let feature_rows: [String: [Float]], encoder_rows: [String: [Float]], chosen_logits: [Float]
        }
        let clip: String
        let windows: [Window]
    }

    static let reference = Result {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: GoldenFixtures.goldenDirectory.appendingPathComponent("stages.json")))
    }

    /// Tolerances a little above what was measured (float32: features 2e-5, encoder 2.4e-3,
    /// logits 1.2e-4; float16 adds weight rounding in the sums and float16 keys and values).
    @Test(arguments: [(ComputeType.float32, Float(1e-2), Float(1e-3)), (.float16, 1e-2, 2e-2)])
    func everyStageAgrees(computeType: ComputeType, encoderTolerance: Float, logitTolerance: Float) throws {
        let reference = try Self.reference.get()
        let allocator = try CachingAllocator(backend: HostMemory())
        let engine = try WhisperEngine(directory: try #require(GoldenFixtures.modelDirectory),
                                       backend: CPUBackend(allocator: allocator, threads: 2), computeType: computeType)
        let stream = try AudioDecoder.open(path: GoldenFixtures.goldenDirectory.appendingPathComponent("clips/\(reference.clip)").path)
        let features = try StreamingFeatures(melBins: engine.model.melBins) { try stream.read(maxFrames: 160_000) }
        #expect(reference.windows.count == 2, "a clip longer than 30 s")
        for (index, window) in reference.windows.enumerated() {
            let mel = try features.window(startFrame: window.start_frame, frameCount: window.frames)
            var largest: Float = 0
            for (frame, values) in window.feature_rows {
                for (bin, value) in values.enumerated() { largest = max(largest, abs(mel[bin * 3000 + Int(frame)!] - value)) }
            }
            #expect(largest <= 1e-4, "window \(index): features differ by \(largest)")

            let encoded = try engine.model.encoderOutputValues(features: mel, melBins: features.melBins)
            largest = 0
            for (row, values) in window.encoder_rows {
                for (column, value) in values.enumerated() { largest = max(largest, abs(encoded[Int(row)! * values.count + column] - value)) }
            }
            #expect(largest <= encoderTolerance, "window \(index): encoder output differs by \(largest)")

            let decoder = try engine.model.encode(features: mel, melBins: features.melBins).makeDecoder()
            let prompt = window.prompt_length
            largest = 0
            for (step, expected) in window.chosen_logits.enumerated() {
                let fed = step == 0 ? Array(window.tokens[..<prompt]) : [window.tokens[prompt + step - 1]]
                let logits = try decoder.feed(fed, logitsAt: [prompt + step - 1])[0]
                largest = max(largest, abs(logits[window.tokens[prompt + step]] - expected))
            }
            #expect(largest <= logitTolerance, "window \(index): the chosen tokens' logits differ by \(largest)")
        }
    }
}
