import Testing
@testable import Whisper

/// The pieces of word timing that need no model: the path, the filter, the normalisation, the
/// word split and the punctuation merge (the golden word tests run them on the real model).
@Suite("Word alignment")
struct WordAlignmentTests {
    @Test func pathFollowsTheHighWeights() {
        // Three rows over six frames: row 0 strong at frames 0-1, row 1 at 2-3, row 2 at 4-5,
        // weak elsewhere (with zeros there, a longer path through them would tie).
        var x = [Float](repeating: -1, count: 18)
        for (row, frames) in [(0, 0...1), (1, 2...3), (2, 4...5)] { for frame in frames { x[row * 6 + frame] = 1 } }
        let path = CrossAttentionAlignment.negativeDTW(x, rows: 3, columns: 6)
        #expect(path.map(\.row) == [0, 0, 1, 1, 2, 2])
        #expect(path.map(\.frame) == [0, 1, 2, 3, 4, 5])
    }

    @Test func pathIsMonotonicAndCoversEveryCell() {
        let x: [Float] = (0..<40).map { Float(($0 * 7919) % 13) }
        let path = CrossAttentionAlignment.negativeDTW(x, rows: 4, columns: 10)
        #expect(path.first! == (0, 0) && path.last! == (3, 9))
        for (a, b) in zip(path, path.dropFirst()) {
            #expect(b.row - a.row >= 0 && b.row - a.row <= 1 && b.frame - a.frame >= 0 && b.frame - a.frame <= 1)
            #expect(b.row != a.row || b.frame != a.frame)
        }
    }

    @Test func medianFilterReflectsAtTheEdges() {
        // Reflected: [5, 1, 5, 2, 8, 3, 8], medians of three.
        #expect(CrossAttentionAlignment.medianFiltered([1, 5, 2, 8, 3], width: 3) == [5, 2, 5, 3, 8])
        #expect(CrossAttentionAlignment.medianFiltered([4, 1, 9], width: 7) == [4, 1, 9], "too short: unchanged")
    }

    @Test func everyFrameIsNormalisedAcrossTokens() {
        var weights: [Float] = [1, 10, 2, 20, 3, 60]  // 3 tokens × 2 frames
        CrossAttentionAlignment.normaliseAcrossTokens(&weights, tokens: 3, frames: 2)
        for frame in 0..<2 {
            let column = (0..<3).map { weights[$0 * 2 + frame] }
            #expect(abs(column.reduce(0, +)) < 1e-5)
            #expect(abs(column.map { $0 * $0 }.reduce(0, +) / 3 - 1) < 1e-5)
        }
    }

    @Test func wordsStartAtSpacesAndPunctuationStandsAlone() {
        let splitter = WordSplitter(vocabulary: FakeVocabulary(), language: "en")
        let words = splitter.split([1, 6, 2, 7, 10])  // " hello" "." " world" " one" <|endoftext|>
        #expect(words.map(\.word) == [" hello", ".", " world", " one", ""])
        #expect(words.map(\.tokens) == [[1], [6], [2], [7], [10]])
    }

    @Test func punctuationJoinsItsWord() {
        let words = WindowWords(vocabulary: FakeVocabulary(), heads: [], prependPunctuations: "\"'“¿([{-",
                                appendPunctuations: "\"'.。,，!！?？:：”)]}、")
        func aligned(_ word: String, _ token: Int, _ start: Double) -> WindowWords.Aligned {
            WindowWords.Aligned(word: word, tokens: [token], start: start, end: start + 0.2, probability: 0.5)
        }
        var alignment = [aligned(" (", 1, 0), aligned("hello", 2, 0.2), aligned(",", 3, 0.4), aligned(" world", 4, 0.6), aligned(".", 5, 0.8)]
        words.mergePunctuation(&alignment)
        #expect(alignment.map(\.word) == ["", " (hello,", "", " world.", ""])
        #expect(alignment.map(\.tokens) == [[], [1, 2, 3], [], [4, 5], []])
    }

    @Test func medianAndRoundingAsPython() {
        #expect(WindowWords.median([]) == 0)
        #expect(WindowWords.median([0.3, 0.1, 0.2]) == 0.2)
        #expect(WindowWords.median([0.4, 0.1, 0.2, 0.3]) == 0.25)
        #expect(WindowWords.centiseconds(1.234) == 1.23)
        #expect(WindowWords.centiseconds(2.0 + 0.56) == 2.56)
    }
}
