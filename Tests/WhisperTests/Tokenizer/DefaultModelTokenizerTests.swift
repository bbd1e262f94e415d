import Foundation
import Testing
@testable import Whisper

/// The default model's tokenizer (Whisper tiny.en) against what faster-whisper 1.2.1 and Hugging
/// Face `tokenizers` give, committed in Golden/tokenizer-expectations.json by
/// scripts/golden/tokenizer-expectations.py.
@Suite("WhisperTokenizer on the default model")
struct DefaultModelTokenizerTests {
    static let expectations = TokenizerFixtures.expectations
    static var encodeCases: [TokenizerExpectations.TextCase] { expectations?.encode ?? [] }
    static var decodeCases: [TokenizerExpectations.IdsCase] { expectations?.decode ?? [] }

    @Test("the committed expectations load")
    func expectationsLoad() throws {
        let expectations = try TokenizerFixtures.loadedExpectations.get()
        #expect(expectations.encode.count >= 60)
        #expect(expectations.decode.count >= 10)
        #expect(expectations.fasterWhisperVersion == "1.2.1")
    }

    @Test("tiny.en special ids", .enabled(if: TokenizerFixtures.modelRuns, TokenizerFixtures.modelMissingReason))
    func specialIds() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        // tiny.en: English-only, so every special id is one below the multilingual layout.
        #expect(tokenizer.vocabularySize == 51864)
        #expect(!tokenizer.isMultilingual)
        #expect(tokenizer.endOfText == 50256)
        #expect(tokenizer.startOfTranscript == 50257)
        #expect(tokenizer.languageToken("en") == 50258)
        #expect(tokenizer.translate == 50357)
        #expect(tokenizer.transcribe == 50358)
        #expect(tokenizer.startOfLM == 50359)
        #expect(tokenizer.startOfPrevious == 50360)
        #expect(tokenizer.noSpeech == 50361)  // <|nocaptions|>
        #expect(tokenizer.tokenString(tokenizer.noSpeech) == "<|nocaptions|>")
        #expect(tokenizer.noTimestamps == 50362)
        #expect(tokenizer.timestampBegin == 50363)
        #expect(tokenizer.timestampEnd == 51863)
        #expect(tokenizer.timestamp(of: tokenizer.timestampEnd) == 30.0)
        #expect(tokenizer.languageCodes.count == 99)
        #expect(tokenizer.sotSequence(language: "en", task: .transcribe) == [50257])
        #expect(tokenizer.languageTokens.first! == (code: "en", token: 50258))
        #expect(tokenizer.usesMergeList)
    }

    @Test("special ids, start sequence and suppression match faster-whisper",
          .enabled(if: TokenizerFixtures.expectationsApply, TokenizerFixtures.expectationsMismatchReason))
    func matchesFasterWhisperSpecials() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let expected = try #require(Self.expectations)
        let special = expected.special
        #expect(tokenizer.endOfText == special.endOfText)
        #expect(tokenizer.startOfTranscript == special.startOfTranscript)
        #expect(tokenizer.translate == special.translate)
        #expect(tokenizer.transcribe == special.transcribe)
        #expect(tokenizer.startOfLM == special.startOfLM)
        #expect(tokenizer.startOfPrevious == special.startOfPrevious)
        #expect(tokenizer.noSpeech == special.noSpeech)
        #expect(tokenizer.noTimestamps == special.noTimestamps)
        #expect(tokenizer.timestampBegin == special.timestampBegin)
        #expect(tokenizer.languageToken("en") == special.en)
        #expect(tokenizer.isMultilingual == expected.multilingual)
        #expect(try tokenizer.checkedSotSequence(language: "en", task: .transcribe) == expected.sotSequence)

        #expect(tokenizer.nonSpeechTokens == expected.nonSpeechTokens)
        #expect(tokenizer.suppressTokens([-1]) == expected.suppressedDefault)
        #expect(tokenizer.suppressTokens() == expected.suppressedDefault)
        #expect(tokenizer.suppressTokens(expected.suppressedCustom.requested) == expected.suppressedCustom.ids)
        #expect(tokenizer.suppressTokens(expected.suppressedExplicit.requested) == expected.suppressedExplicit.ids)
        // For this model, faster-whisper's expansion of -1 equals the converter's suppress_ids.
        #expect(tokenizer.configSuppressIds.sorted() == expected.suppressedDefault)
        #expect(tokenizer.configSuppressBlankIds == [220, tokenizer.endOfText])
    }

    @Test("encode matches the Python tokenizer",
          .enabled(if: TokenizerFixtures.expectationsApply, TokenizerFixtures.expectationsMismatchReason),
          arguments: encodeCases)
    func encodeMatchesPython(_ testCase: TokenizerExpectations.TextCase) throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.encode(testCase.text) == testCase.ids)
    }

    @Test("encode from the vocabulary alone matches the Python tokenizer",
          .enabled(if: TokenizerFixtures.expectationsApply, TokenizerFixtures.expectationsMismatchReason),
          arguments: encodeCases)
    func vocabularyOnlyEncodeMatchesPython(_ testCase: TokenizerExpectations.TextCase) throws {
        let tokenizer = try TokenizerFixtures.vocabularyOnlyTokenizer()
        #expect(!tokenizer.usesMergeList)
        #expect(tokenizer.encode(testCase.text) == testCase.ids)
    }

    @Test("decode matches the Python tokenizer",
          .enabled(if: TokenizerFixtures.expectationsApply, TokenizerFixtures.expectationsMismatchReason),
          arguments: decodeCases)
    func decodeMatchesPython(_ testCase: TokenizerExpectations.IdsCase) throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.decode(testCase.ids) == testCase.text)
    }

    @Test("decodeWithTimestamps, prompts and initial prompts match faster-whisper",
          .enabled(if: TokenizerFixtures.expectationsApply, TokenizerFixtures.expectationsMismatchReason))
    func timestampsAndPrompts() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let expected = try #require(Self.expectations)
        for testCase in expected.decodeWithTimestamps {
            #expect(tokenizer.decodeWithTimestamps(testCase.ids) == testCase.text, "\(testCase.ids)")
        }
        for testCase in expected.prompts {
            let prompt = try tokenizer.prompt(
                previousTokens: testCase.previous,
                withoutTimestamps: testCase.withoutTimestamps,
                prefix: testCase.prefix,
                hotwords: testCase.hotwords
            )
            #expect(prompt == testCase.ids, "prefix \(testCase.prefix ?? "nil"), hotwords \(testCase.hotwords ?? "nil")")
        }
        for testCase in expected.initialPrompts {
            #expect(tokenizer.initialPromptTokens(testCase.text) == testCase.ids, "\(testCase.text.debugDescription)")
        }
    }

    @Test("text without special tokens survives encode then decode",
          .enabled(if: TokenizerFixtures.modelRuns, TokenizerFixtures.modelMissingReason),
          arguments: encodeCases.map(\.text).filter { !$0.contains("<|") })
    func roundTrip(_ text: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }

    @Test("every ordinary token decodes to its own bytes",
          .enabled(if: TokenizerFixtures.modelRuns, TokenizerFixtures.modelMissingReason))
    func tokenBytes() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for id in stride(from: 0, to: tokenizer.endOfText, by: 97) {
            let string = try #require(tokenizer.tokenString(id))
            #expect(tokenizer.bytes(of: id) == ByteLevelAlphabet.bytes(ofTokenString: string))
            #expect(tokenizer.id(of: string) == id)
        }
        #expect(tokenizer.bytes(of: tokenizer.endOfText).isEmpty)
        #expect(tokenizer.decode([tokenizer.id(of: "Ġhello")!]) == " hello")
    }
}
