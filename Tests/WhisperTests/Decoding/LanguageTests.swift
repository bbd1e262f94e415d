import Foundation
import Testing
@testable import Whisper

let multilingual = FakeVocabulary(isMultilingual: true)
let en = 12
let fr = 13

/// Detection passes (the prompt is `<|startoftranscript|>` alone) get `detect`; transcription
/// passes write a short segment.
func detecting(_ detect: @escaping @Sendable (ScriptContext) -> [Float]) -> @Sendable (ScriptContext) -> [Float] {
    let write = Row.writing([ts(0), 1, ts(1)])
    return { context in context.prompt == [11] ? detect(context) : write(context) }
}

/// A detection row giving `en` and `fr` these probabilities.
func languageRow(en english: Double, fr french: Double) -> [Float] {
    Row.with([en: Float(log(english)), fr: Float(log(french))], base: -1000)
}

@Suite("Language and task")
struct LanguageTests {
    @Test("the language is detected from the first window of a multilingual model")
    func detection() throws {
        let runner = ScriptedRunner(script: detecting { _ in Row.with([fr: 10, en: 5]) })
        let (_, language, _) = try transcribe(runner, vocabulary: multilingual, frames: 1001,
                                              options: DecodingOptions())
        #expect(language?.language == "fr")
        let expected = exp(10.0) / (exp(10.0) + exp(5.0))
        #expect(abs((language?.probability ?? 0) - expected) < 1e-6)
        #expect(language?.allProbabilities.map(\.language) == ["fr", "en"])
        #expect(runner.prompts.map(\.prompt) == [[11], [11, fr, 15]])
    }

    @Test("translate puts <|translate|> in the start sequence; a given language skips detection")
    func translate() throws {
        let runner = ScriptedRunner(script: detecting { _ in Row.peak(en) })
        let options = DecodingOptions(language: "fr", task: .translate)
        let (_, language, _) = try transcribe(runner, vocabulary: multilingual, frames: 1001, options: options)
        #expect(language == LanguageDetection(language: "fr", probability: 1, allProbabilities: []))
        #expect(runner.prompts.map(\.prompt) == [[11, fr, 14]])
    }

    @Test("an English-only model transcribes English whatever the options say")
    func englishOnly() throws {
        let runner = ScriptedRunner(script: detecting { _ in Row.peak(fr) })
        let options = DecodingOptions(language: "fr", task: .translate, multilingual: true)
        let (_, language, _) = try transcribe(runner, frames: 1001, options: options)
        #expect(language?.language == "en")
        #expect(runner.prompts.map(\.prompt) == [[11]])
    }

    @Test("an unknown language is an error")
    func unknownLanguage() {
        let runner = ScriptedRunner(script: detecting { _ in Row.peak(fr) })
        #expect(throws: WhisperError.unknownLanguage("xx")) {
            try transcribe(runner, vocabulary: multilingual, frames: 1001,
                           options: DecodingOptions(language: "xx"))
        }
    }

    @Test("below the threshold, the language first most often wins, the earliest on ties")
    func majorityVote() throws {
        let runner = ScriptedRunner(script: detecting { context in
            context.features[0] == 1 ? languageRow(en: 0.6, fr: 0.4) : languageRow(en: 0.3, fr: 0.7)
        })
        let options = DecodingOptions(languageDetectionThreshold: 0.99, languageDetectionSegments: 2)
        let (_, language, _) = try transcribe(runner, vocabulary: multilingual, frames: 4001, options: options)
        #expect(language?.language == "en")
        #expect(abs((language?.probability ?? 0) - 0.6) < 1e-6)
        // The second detection window reads up to the very last frame, as faster-whisper does.
        #expect(runner.windows[1][0] == 3001)
        #expect(runner.windows[1][1000] == 4001)
        #expect(runner.windows[1][1001] == 0)
    }

    @Test("detection stops at the first window above the threshold")
    func detectionThreshold() throws {
        let runner = ScriptedRunner(script: detecting { _ in languageRow(en: 0.2, fr: 0.8) })
        let options = DecodingOptions(languageDetectionSegments: 3)
        let (_, language, _) = try transcribe(runner, vocabulary: multilingual, frames: 9001, options: options)
        #expect(language?.language == "fr")
        #expect(runner.prompts.filter { $0.prompt == [11] }.count == 1)
    }

    @Test("multilingual mode detects the language of every window")
    func perWindowLanguage() throws {
        let runner = ScriptedRunner(script: detecting { context in
            context.features[0] == 1 ? Row.peak(fr) : Row.peak(en)
        })
        let options = DecodingOptions(conditionOnPreviousText: false, multilingual: true)
        _ = try transcribe(runner, vocabulary: multilingual, frames: 6001, options: options)
        let transcriptionPrompts = runner.prompts.map(\.prompt).filter { $0 != [11] }
        #expect(transcriptionPrompts == [[11, fr, 15], [11, en, 15]])
    }
}
