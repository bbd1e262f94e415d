import Audio
import DeviceMemory
import Foundation
import Tensor
import Testing
import Whisper

/// Voice activity detection against faster-whisper's `vad_filter=True` (`references-vad.json`,
/// made with onnxruntime running the same Silero VAD file): every chunk's speech probability
/// within 1e-3, the same speech regions, and the same transcript at the recording's times.
@Suite("Golden voice activity", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct GoldenVoiceActivityTests {
    struct Segment: Decodable, Sendable { let start: Double, end: Double, text: String }
    struct Reference: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let committed: Bool
        let duration: Double
        let segments: [Segment]
        let speechProbabilities: [Float]
        let speechRegions: [[Int]]
        var testDescription: String { file }
        enum CodingKeys: String, CodingKey {
            case file, committed, duration, segments
            case speechProbabilities = "speech_probabilities", speechRegions = "speech_regions"
        }
    }
    struct References: Decodable { let clips: [Reference] }

    static let references: [Reference] = {
        let url = GoldenFixtures.goldenDirectory.appendingPathComponent("references-vad.json")
        return (try? JSONDecoder().decode(References.self, from: Data(contentsOf: url)).clips) ?? []
    }()
    static let pauses = "generated/pauses_2min.wav"

    static func path(_ reference: Reference) -> String {
        GoldenFixtures.goldenDirectory.appendingPathComponent("clips").appendingPathComponent(reference.file).path
    }

    static func detector() throws -> SileroVAD {
        let model = try #require(GoldenFixtures.modelDirectory)
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 2)
        return try SileroVAD(path: WhisperEngine.voiceActivityModelPath(besideModel: model), backend: backend)
    }

    @Test("the references load, with a recording that is mostly pauses")
    func referencesLoad() throws {
        #expect(Self.references.count >= 14)
        let pauses = try #require(Self.references.first { $0.file == Self.pauses })
        let speech = pauses.speechRegions.reduce(0) { $0 + $1[1] - $1[0] }
        #expect(Double(speech) / 16_000 < pauses.duration / 2, "the pauses clip should be mostly silence")
    }

    @Test("chunk probabilities and speech regions", arguments: references)
    func probabilitiesAndRegions(reference: Reference) throws {
        if !reference.committed { try GoldenFixtures.generatedClips.get() }
        let stream = try AudioDecoder.open(path: Self.path(reference))
        var probabilities = SpeechProbabilities(detector: try Self.detector())
        while true {
            let chunk = try stream.read(maxFrames: 12_345)  // not a multiple of a chunk or a batch
            if chunk.isEmpty { break }
            try probabilities.append(chunk)
        }
        try probabilities.finish()
        #expect(probabilities.values.count == reference.speechProbabilities.count)
        let worst = zip(probabilities.values, reference.speechProbabilities).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-3, "largest difference from onnxruntime: \(worst)")
        let regions = SpeechRegions.find(probabilities: probabilities.values, sampleCount: probabilities.sampleCount,
                                         options: VoiceActivityOptions())
        #expect(regions.map { [$0.lowerBound, $0.upperBound] } == reference.speechRegions)
    }

    @Test("transcripts with vad_filter", arguments: references)
    func transcript(reference: Reference) throws {
        if !reference.committed { try GoldenFixtures.generatedClips.get() }
        var options = GoldenFixtures.goldenOptions
        options.voiceActivity = VoiceActivityOptions()
        var progress: [TranscriptionProgress] = []
        let transcript = try GoldenWordTimestampTests.engine.get().transcribe(path: Self.path(reference), options: options) { event in
            if case .progress(let step) = event { progress.append(step) }
        }
        #expect(abs(transcript.duration - reference.duration) < 0.001)
        // Progress runs on the recording's clock, up to its whole length, never backwards.
        #expect(progress.allSatisfy { abs($0.totalSeconds - transcript.duration) < 0.001 })
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.processedSeconds <= $1.processedSeconds })
        if !transcript.segments.isEmpty { #expect(progress.last?.fraction == 1, "\(progress.last.map(String.init(describing:)) ?? "none")") }
        #expect(transcript.segments.map(\.text) == reference.segments.map(\.text))
        for (ours, theirs) in zip(transcript.segments, reference.segments) {
            #expect(abs(ours.start - theirs.start) <= 0.02 && abs(ours.end - theirs.end) <= 0.02,
                    "\(ours.text): [\(ours.start), \(ours.end)] vs faster-whisper [\(theirs.start), \(theirs.end)]")
        }
    }
}
