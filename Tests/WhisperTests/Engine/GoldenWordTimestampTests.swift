import Foundation
import Testing
import Whisper

/// Word timestamps against faster-whisper's `word_timestamps=True` on the same model and clips
/// (`references-words.json`): the same words in every segment, each start and end within
/// 0.2 s (they were equal to the hundredth when this was written), segment bounds within 0.02 s.
@Suite("Golden word timestamps", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct GoldenWordTimestampTests {
    struct Word: Decodable, Sendable { let word: String, start: Double, end: Double }
    struct Segment: Decodable, Sendable { let start: Double, end: Double, text: String, words: [Word] }
    struct Reference: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let committed: Bool
        let segments: [Segment]
        var testDescription: String { file }
    }
    struct References: Decodable { let clips: [Reference] }

    static let references: [Reference] = {
        let url = GoldenFixtures.goldenDirectory.appendingPathComponent("references-words.json")
        return (try? JSONDecoder().decode(References.self, from: Data(contentsOf: url)).clips) ?? []
    }()
    static let engine = Result { try GoldenFixtures.makeEngine().0 }

    @Test("the word references load and hold words")
    func referencesLoad() {
        let committed = Self.references.filter(\.committed)
        #expect(committed.count >= 8)
        #expect(committed.flatMap(\.segments).flatMap(\.words).count >= 150)
    }

    @Test("committed clips", arguments: references.filter(\.committed))
    func committedClip(reference: Reference) throws {
        var options = GoldenFixtures.goldenOptions
        options.wordTimestamps = true
        let path = GoldenFixtures.goldenDirectory.appendingPathComponent("clips").appendingPathComponent(reference.file).path
        let transcript = try Self.engine.get().transcribe(path: path, options: options)
        #expect(transcript.segments.count == reference.segments.count, "\(reference.file): segment count")
        for (ours, theirs) in zip(transcript.segments, reference.segments) {
            #expect(ours.text == theirs.text)
            #expect(abs(ours.start - theirs.start) <= 0.02 && abs(ours.end - theirs.end) <= 0.02,
                    "[\(ours.start), \(ours.end)] vs faster-whisper [\(theirs.start), \(theirs.end)]")
            let words = try #require(ours.words, "no words in \(ours.text)")
            #expect(words.map(\.word) == theirs.words.map(\.word))
            for (word, expected) in zip(words, theirs.words) {
                #expect(abs(word.start - expected.start) <= 0.2 && abs(word.end - expected.end) <= 0.2,
                        "\(word.word): [\(word.start), \(word.end)] vs faster-whisper [\(expected.start), \(expected.end)]")
                #expect(word.probability > 0 && word.probability <= 1)
            }
        }
    }

    @Test("without word timestamps a segment has no words")
    func wordsOnlyWhenAsked() throws {
        let reference = try #require(Self.references.first { $0.file == "en-us_hello.wav" })
        let path = GoldenFixtures.goldenDirectory.appendingPathComponent("clips").appendingPathComponent(reference.file).path
        let transcript = try Self.engine.get().transcribe(path: path, options: GoldenFixtures.goldenOptions)
        #expect(transcript.segments.allSatisfy { $0.words == nil })
    }
}

/// Hotwords against faster-whisper's `hotwords="Auris"` on the committed clips
/// (`references-hotwords.json`): the same text. On the hello clip the hotword changes it
/// ("Oris" becomes "Auris", and the opening words with it).
@Suite("Golden hotwords", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct GoldenHotwordsTests {
    static let references: [GoldenFixtures.Reference] = {
        let url = GoldenFixtures.goldenDirectory.appendingPathComponent("references-hotwords.json")
        return (try? JSONDecoder().decode(GoldenFixtures.References.self, from: Data(contentsOf: url)).clips) ?? []
    }()

    @Test func sameTextAsFasterWhisper() throws {
        #expect(Self.references.count >= 8)
        #expect(Self.references.first { $0.file == "en-us_hello.wav" }?.text.contains("Auris") == true)
        let engine = try GoldenWordTimestampTests.engine.get()
        var options = GoldenFixtures.goldenOptions
        options.hotwords = "Auris"
        for reference in Self.references {
            let transcript = try engine.transcribe(path: GoldenFixtures.clipPath(reference), options: options)
            #expect(transcript.text == reference.text, "\(reference.file)")
        }
    }
}
