import Audio
import Foundation
import Testing
@testable import Whisper

/// Live recognition on the default model, fed golden clips 100 ms at a time (as fast as it
/// takes them: the pace does not change what is decided, only when).
@Suite("Live recognition", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct LiveRecognizerTests {
    static func samples(_ file: String) throws -> [Float] {
        let stream = try AudioDecoder.open(path: GoldenFixtures.goldenDirectory.appendingPathComponent("clips").appendingPathComponent(file).path)
        var all: [Float] = []
        while case let chunk = try stream.read(maxFrames: 16_000), !chunk.isEmpty { all += chunk }
        return all
    }

    /// What the clip says, from the clips' manifest.
    static func spokenText(_ file: String) throws -> String {
        let url = GoldenFixtures.goldenDirectory.appendingPathComponent("clips/manifest.json")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let clips = manifest?["clips"] as? [[String: Any]] ?? []
        return try #require(clips.first { $0["file"] as? String == file }?["text"] as? String)
    }

    static func run(_ samples: [Float], settings: LiveRecognizer.Settings) throws -> [LiveRecognizer.Event] {
        let recognizer = try LiveRecognizer(engine: try GoldenWordTimestampTests.engine.get(), settings: settings)
        var events: [LiveRecognizer.Event] = []
        for start in stride(from: 0, to: samples.count, by: 1_600) {
            events += try recognizer.append(Array(samples[start..<min(start + 1_600, samples.count)]))
        }
        return events + (try recognizer.finish())
    }

    static func finals(_ events: [LiveRecognizer.Event]) -> [TranscriptSegment] {
        events.compactMap { if case .final(let segment) = $0 { segment } else { nil } }
    }

    static var settings: LiveRecognizer.Settings {
        LiveRecognizer.Settings(decoding: GoldenFixtures.goldenOptions)
    }

    @Test("the finals of a story with pauses are as right as the offline transcript, in order, at its times")
    func storyWithPauses() throws {
        let events = try Self.run(try Self.samples("en-mixed_story_32s.wav"), settings: Self.settings)
        let finals = Self.finals(events)
        let offline = try #require(GoldenFixtures.references.first { $0.file == "en-mixed_story_32s.wav" })
        let said = try Self.spokenText("en-mixed_story_32s.wav")
        let words = { (text: String) in text.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "'" }.map(String.init) }
        let live = finals.map(\.text).joined()
        let liveErrors = Double(WordDistance.between(words(said), words(live))) / Double(words(said).count)
        let offlineErrors = Double(WordDistance.between(words(said), words(offline.text))) / Double(words(said).count)
        #expect(liveErrors <= offlineErrors + 0.03, "live: \(live)\noffline: \(offline.text)")
        #expect(finals.count >= 3, "the pauses end utterances")
        #expect(finals.map(\.id) == Array(0..<finals.count))
        #expect(zip(finals, finals.dropFirst()).allSatisfy { $0.end <= $1.start + 0.01 }, "in order, not overlapping")
        #expect(abs(finals[0].start - offline.segments[0].start) < 1)
        let partials = events.compactMap { if case .partial(let partial) = $0 { partial } else { nil } }
        #expect(partials.count >= 5, "partials while speaking")
        #expect(partials.allSatisfy { $0.text.hasPrefix($0.stableText) })
    }

    @Test("silence gives nothing; speech with no pause for longer than the longest utterance is cut into finals as it goes")
    func silenceAndLongSpeech() throws {
        #expect(try Self.run(try Self.samples("silence.wav"), settings: Self.settings).isEmpty)
        var settings = Self.settings
        settings.longestUtteranceSeconds = 6
        settings.endSilenceMs = 3_000  // the story's 1.2 s pauses do not end it
        let events = try Self.run(try Self.samples("en-mixed_story_32s.wav"), settings: settings)
        // Some finals come before the end of the stream (the last events are the finish's).
        var sawPartialAfterFinal = false, sawFinal = false
        for event in events {
            if case .final = event { sawFinal = true } else if sawFinal { sawPartialAfterFinal = true }
        }
        #expect(sawPartialAfterFinal, "finals were committed mid-utterance")
        #expect(Self.finals(events).allSatisfy { $0.end - $0.start < 30 })
    }

    @Test("bad settings are refused")
    func badSettings() throws {
        var settings = Self.settings
        settings.endSilenceMs = 10
        #expect(throws: WhisperError.self) { try LiveRecognizer(engine: try GoldenWordTimestampTests.engine.get(), settings: settings) }
        settings = Self.settings
        settings.contextSeconds = -1
        #expect(settings.problem != nil)
    }
}

/// Note [Finals with context]: of a final decoded with the audio before it, only the words
/// after the utterance's start are sent.
@Suite("Finals with context")
struct LiveContextTests {
    static func segment(_ id: Int, _ words: [(String, Double, Double)]) -> TranscriptSegment {
        TranscriptSegment(id: id, seek: 0, start: words[0].1, end: words.last!.2, text: words.map(\.0).joined(),
                          tokens: [1, 2, 3], temperature: 0, avgLogProb: -0.1, compressionRatio: 1, noSpeechProb: 0,
                          words: words.map { TimedWord(word: $0.0, start: $0.1, end: $0.2, probability: 0.9) })
    }

    @Test func onlyTheWordsAfterTheStartAreKept() {
        let decoded = [
            Self.segment(0, [(" Said", 0.5, 0.9), (" before.", 1.0, 1.4)]),
            Self.segment(1, [(" Last", 3.0, 3.4), (" time", 3.5, 3.9), (" then", 4.1, 4.4), (" new.", 4.5, 4.9)]),
        ]
        let kept = LiveRecognizer.words(of: decoded, after: 4.0, keepWords: false)
        #expect(kept.count == 1, "a segment wholly in the context is dropped")
        #expect(kept.first?.text == " then new.")
        #expect(kept.first?.start == 4.1 && kept.first?.end == 4.9)
        #expect(kept.first?.tokens == [], "its tokens were of the whole segment")
        #expect(kept.first?.words == nil, "words only when asked for")
        // A word straddling the boundary goes where its middle lies.
        #expect(LiveRecognizer.words(of: decoded, after: 3.8, keepWords: true).first?.words?.map(\.word) == [" then", " new."])
        #expect(LiveRecognizer.words(of: decoded, after: 3.6, keepWords: true).first?.words?.map(\.word) == [" time", " then", " new."])
        // A segment kept whole keeps its tokens.
        #expect(LiveRecognizer.words(of: decoded, after: 2.0, keepWords: false).first?.tokens == [1, 2, 3])
    }
}

/// Levenshtein distance over words.
enum WordDistance {
    static func between(_ a: [String], _ b: [String]) -> Int {
        var previous = Array(0...b.count)
        for (i, word) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, other) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (word == other ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
