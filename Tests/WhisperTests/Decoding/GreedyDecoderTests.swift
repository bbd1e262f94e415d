import Foundation
import Testing
@testable import Whisper

@Suite("Greedy decoding pass")
struct GreedyDecoderTests {
    /// log-probability of a token at `height` among `FakeVocabulary.size - 1` tokens at 0.
    func peakLogProb(_ height: Float) -> Float {
        Float(Double(height) - log(exp(Double(height)) + Double(FakeVocabulary.size - 1)))
    }

    @Test("a pass ends at end of text, which is not returned but is scored")
    func endOfText() throws {
        let options = DecodingOptions(suppressBlank: false, suppressTokens: nil)
        let pass = try decodeOnce(Row.writing([1, 2, 3]), options: options, prompt: noTimestampsPrompt)
        #expect(pass.tokens == [1, 2, 3])
        #expect(pass.endedAtEndOfText)
        let expected = 4 * Double(peakLogProb(10))
        #expect(abs(Double(pass.sumLogProb) - expected) < 1e-4)
        #expect(abs(Double(pass.score) - expected / 3) < 1e-4)
        // faster-whisper: score * length / (length + 1), the +1 being end of text.
        #expect(abs(pass.averageLogProb - expected / 4) < 1e-4)
    }

    @Test("the no-speech probability comes from the untouched row after <|startoftranscript|>")
    func noSpeechProbability() throws {
        let pass = try decodeOnce(Row.writing([1], noSpeech: 14), prompt: noTimestampsPrompt)
        // The row after <|startoftranscript|> has 14 at <|nospeech|>, 10 at " hello", 0 elsewhere.
        let expected = exp(14.0) / (exp(14.0) + exp(10.0) + Double(FakeVocabulary.size - 2))
        #expect(abs(Double(pass.noSpeechProbability) - expected) < 1e-5)

        // When <|startoftranscript|> ends the prompt, its row is also the first step's: the
        // no-speech probability is still read before <|nospeech|> is suppressed.
        let single = try decodeOnce(Row.writing([20, 1, 30], noSpeech: 14), prompt: [11])
        #expect(single.noSpeechProbability > 0.9)
        #expect(single.tokens == [20, 1, 30])
    }

    @Test("a pass that never ends stops at 224 tokens")
    func lengthLimit() throws {
        let options = DecodingOptions(suppressBlank: false, suppressTokens: nil)
        let pass = try decodeOnce(steps([Row.peak(1)]), options: options, prompt: noTimestampsPrompt)
        #expect(pass.tokens.count == 224)
        #expect(!pass.endedAtEndOfText)
        #expect(abs(Double(pass.sumLogProb) - 224 * Double(peakLogProb(10))) < 1e-3)
    }

    @Test("previous text shortens the budget: min(448 / 2, 448 - start step)")
    func lengthLimitWithPrompt() throws {
        let previous = Array(repeating: 1, count: 300)
        let prompt = [17] + previous + [11, 19]
        let pass = try decodeOnce(steps([Row.peak(2)]), prompt: prompt)
        // The start step is the index of <|notimestamps|>: 302.
        #expect(pass.tokens.count == 448 - 302)
    }

    @Test("max_new_tokens budgets are halved as CTranslate2 does")
    func maxNewTokensBudget() throws {
        let pass = try decodeOnce(steps([Row.peak(1)]), prompt: noTimestampsPrompt, maxLength: 2 + 10)
        #expect(pass.tokens.count == 6)
    }

    @Test("a prefix is forced, returned, scored 0 and counted in the length")
    func prefix() throws {
        // <|startoftranscript|>, <|0.00|>, " hello", " world" — then the model's own tokens.
        let prompt = [11, 20, 1, 2]
        let script = steps([Row.with([3: 10, 40: 5]), Row.with([60: 12]), Row.peak(eot)])
        let pass = try decodeOnce(script, prompt: prompt)
        // The first sampled token may be text: no initial-timestamp rule after a prefix.
        #expect(pass.tokens == [20, 1, 2, 3, 60])
        #expect(pass.endedAtEndOfText)
        #expect(abs(pass.averageLogProb - Double(pass.sumLogProb) / 6) < 1e-6)
    }

    @Test("sampling at a temperature is reproducible from a seed and follows the distribution")
    func sampling() throws {
        let options = DecodingOptions()
        let peaked = try decodeOnce(Row.writing([1, 2, 3], height: 40), options: options,
                                    prompt: noTimestampsPrompt, temperature: 1.0)
        #expect(peaked.tokens == [1, 2, 3])
        let flat = steps([Row.with([1: 1, 2: 1, 3: 1], base: -30), Row.peak(eot, height: 40)])
        let first = try decodeOnce(flat, prompt: noTimestampsPrompt, temperature: 1.0)
        let again = try decodeOnce(flat, prompt: noTimestampsPrompt, temperature: 1.0)
        #expect(first.tokens == again.tokens)
        #expect([1, 2, 3].contains(first.tokens[0]))
    }

    @Test("a row of the wrong size is an error, not a crash")
    func malformedLogits() {
        #expect(throws: WhisperError.self) {
            try decodeOnce({ _ in [0, 1, 2] }, prompt: noTimestampsPrompt)
        }
    }

    @Test("a prompt without <|startoftranscript|> is refused")
    func promptWithoutStart() {
        #expect(throws: WhisperError.promptWithoutStartOfTranscript) {
            try DecoderPrompt(tokens: [17, 1], vocabulary: FakeVocabulary())
        }
    }
}
