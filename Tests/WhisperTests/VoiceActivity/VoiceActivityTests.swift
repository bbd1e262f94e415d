import Foundation
import Testing
@testable import Whisper

/// The pieces of voice activity detection around the network (which the golden tests check
/// against onnxruntime): the speech-region rules on made-up probabilities, the way back from the
/// joined speech to the recording's clock, and reading only the speech.
@Suite("Voice activity")
struct VoiceActivityTests {
    static let chunk = SileroVAD.chunkSamples

    /// Probabilities of `chunks` chunks, 0.9 inside `speech` and 0.1 elsewhere.
    func probabilities(_ chunks: Int, speech: [Range<Int>]) -> [Float] {
        (0..<chunks).map { index in speech.contains { $0.contains(index) } ? 0.9 : 0.1 }
    }

    @Test("speech is padded by 400 ms and ends after 2 s of silence")
    func oneStretch() {
        let found = SpeechRegions.find(probabilities: probabilities(300, speech: [40..<80]), sampleCount: 300 * Self.chunk,
                                       options: VoiceActivityOptions())
        #expect(found == [(40 * Self.chunk - 6_400)..<(80 * Self.chunk + 6_400)])
    }

    @Test("a pause shorter than the minimum silence does not split speech; a longer one does")
    func pauses() {
        let gap = 1_000 * 16 / Self.chunk  // about 1 s of chunks
        let short = SpeechRegions.find(probabilities: probabilities(400, speech: [20..<60, (60 + gap)..<200]),
                                       sampleCount: 400 * Self.chunk, options: VoiceActivityOptions())
        #expect(short.count == 1)
        let second = 60 + 3 * gap
        let long = SpeechRegions.find(probabilities: probabilities(600, speech: [20..<60, second..<300]),
                                      sampleCount: 600 * Self.chunk, options: VoiceActivityOptions())
        #expect(long == [(20 * Self.chunk - 6_400)..<(60 * Self.chunk + 6_400), (second * Self.chunk - 6_400)..<(300 * Self.chunk + 6_400)])
        // Two pads would overlap across a 0.5 s silence: each side gets half of it instead.
        var tight = VoiceActivityOptions()
        tight.minSilenceDurationMs = 300
        let halves = SpeechRegions.find(probabilities: probabilities(300, speech: [20..<60, 76..<120]),
                                        sampleCount: 300 * Self.chunk, options: tight)
        #expect(halves.count == 2 && halves[0].upperBound == halves[1].lowerBound)
        #expect(halves[0].upperBound == 60 * Self.chunk + 16 * Self.chunk / 2)
    }

    @Test("probabilities between the two thresholds continue what came before")
    func hysteresis() {
        var values = probabilities(300, speech: [20..<40])
        for index in 40..<200 { values[index] = 0.4 }  // above 0.35, below 0.5
        let found = SpeechRegions.find(probabilities: values, sampleCount: 300 * Self.chunk, options: VoiceActivityOptions())
        #expect(found == [(20 * Self.chunk - 6_400)..<(200 * Self.chunk + 6_400)])
    }

    @Test("short blips are dropped; speech running to the end ends with the recording")
    func blipsAndEnd() {
        var options = VoiceActivityOptions()
        options.minSpeechDurationMs = 250
        let found = SpeechRegions.find(probabilities: probabilities(400, speech: [10..<12, 300..<400]),
                                       sampleCount: 400 * Self.chunk - 100, options: options)
        #expect(found == [(300 * Self.chunk - 6_400)..<(400 * Self.chunk - 100)])
    }

    @Test("speech longer than the longest allowed is cut at a silence within it")
    func longestSpeech() {
        var options = VoiceActivityOptions()
        options.maxSpeechDurationSeconds = 5
        options.speechPadMs = 0
        // 8 s of speech with a 0.2 s dip (below the silence threshold) at 3 s.
        var values = probabilities(400, speech: [0..<250])
        for index in 94..<100 { values[index] = 0.1 }
        let found = SpeechRegions.find(probabilities: values, sampleCount: 400 * Self.chunk, options: options)
        #expect(found.count == 2)
        #expect(found[0] == 0..<(94 * Self.chunk))
        #expect(found[1].lowerBound == 100 * Self.chunk)
    }

    @Test("options out of range are refused with a reason")
    func badOptions() {
        #expect(VoiceActivityOptions().problem == nil)
        #expect(VoiceActivityOptions(threshold: 1.5).problem != nil)
        #expect(VoiceActivityOptions(threshold: 0.5, negativeThreshold: 0.7).problem != nil)
        #expect(VoiceActivityOptions(minSilenceDurationMs: -1).problem != nil)
    }

    @Test("options travel as faster-whisper's vad_parameters, an unlimited speech length left out")
    func optionsAsJSON() throws {
        let decoded = try JSONDecoder().decode(VoiceActivityOptions.self, from: Data(#"{"min_silence_duration_ms": 500}"#.utf8))
        #expect(decoded == VoiceActivityOptions(minSilenceDurationMs: 500))
        let encoded = String(decoding: try JSONEncoder().encode(VoiceActivityOptions()), as: UTF8.self)
        #expect(!encoded.contains("max_speech_duration_s"))
        #expect(try JSONDecoder().decode(VoiceActivityOptions.self, from: Data(encoded.utf8)) == VoiceActivityOptions())
    }

    @Test("times in the joined speech map back to the recording")
    func timeline() {
        // Speech at 1–2 s and 4–5 s: joined, 0–1 s and 1–2 s.
        let timeline = SpeechTimeline(regions: [16_000..<32_000, 64_000..<80_000])
        let segment = TranscriptSegment(id: 0, seek: 0, start: 0.5, end: 1.5, text: "", tokens: [], temperature: 0,
                                        avgLogProb: 0, compressionRatio: 0, noSpeechProb: 0)
        let moved = timeline.restore(segment)
        #expect(moved.start == 1.5 && moved.end == 4.5)
        var atBoundary = segment
        atBoundary.end = 1.0  // exactly the first region's end stays in it
        #expect(timeline.restore(atBoundary).end == 2.0)
        var withWords = segment
        withWords.words = [TimedWord(word: " a", start: 0.5, end: 0.8, probability: 1),
                           TimedWord(word: " b", start: 0.9, end: 1.2, probability: 1)]
        let wordsMoved = timeline.restore(withWords)
        // " b" is centred at 1.05 s, in the second region: both its ends go there.
        #expect(wordsMoved.words?.map(\.start) == [1.5, 3.9] && wordsMoved.words?.map(\.end) == [1.8, 4.2])
        #expect(wordsMoved.start == 1.5 && wordsMoved.end == 4.2)
        // Progress: the end of the first region's speech is 2 s into the recording; 1.5 s of
        // speech is half-way through the second region, at 4.5 s.
        #expect(timeline.position(1.0) == 2.0 && timeline.position(1.5) == 4.5)
        #expect(SpeechTimeline(regions: []).position(3) == 3, "no speech: nothing to map")
    }

    @Test("only the samples inside the regions are read, joined, and reading stops after the last")
    func speechOnlyReader() throws {
        var next = 0, reads = 0
        var reader = SpeechOnlyReader(regions: [5..<12, 30..<31, 40..<40, 95..<120]) {
            reads += 1
            defer { next += 7 }
            return next >= 200 ? [] : (next..<min(next + 7, 200)).map(Float.init)
        }
        var kept: [Float] = []
        while case let part = try reader.read(), !part.isEmpty { kept += part }
        #expect(kept == (Array(5..<12) + [30] + Array(95..<120)).map(Float.init))
        #expect(reads == 18)  // up to sample 126, not to 200
    }
}
