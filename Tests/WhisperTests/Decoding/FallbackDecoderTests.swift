import Testing
@testable import Whisper

/// Runs temperature fallback over one window; returns the decoding and how many passes ran.
func fallbackDecode(_ script: @escaping @Sendable (ScriptContext) -> [Float],
                    options: DecodingOptions = DecodingOptions(),
                    prompt: [Int] = noTimestampsPrompt) throws -> (WindowDecoding, passes: Int) {
    let vocabulary = FakeVocabulary()
    let runner = ScriptedRunner(script: script)
    let greedy = GreedyDecoder(vocabulary: vocabulary, vocabularySize: FakeVocabulary.size, options: options)
    let fallback = FallbackDecoder(greedy: greedy, options: options, vocabulary: vocabulary)
    var rng = SeededRandomGenerator(seed: 3)
    let result = try fallback.decode(try runner.encode(features: [], melBins: 0), prompt: prompt, using: &rng)
    return (result, runner.prompts.count)
}

/// Pass 0 runs `first`, every later pass runs `later`.
func byPass(_ first: @escaping @Sendable (ScriptContext) -> [Float],
            _ later: @escaping @Sendable (ScriptContext) -> [Float]) -> @Sendable (ScriptContext) -> [Float] {
    { context in context.pass == 0 ? first(context) : later(context) }
}

let repetitive = Row.writing(Array(repeating: 1, count: 60))
let plain = Row.writing([1, 2, 3, 4], height: 40)

@Suite("Temperature fallback")
struct FallbackDecoderTests {
    @Test("a too repetitive result is decoded again at the next temperature, best of five")
    func compressionRatioFallback() throws {
        let (result, passes) = try fallbackDecode(byPass(repetitive, plain))
        #expect(result.temperature == 0.2)
        #expect(result.pass.tokens == [1, 2, 3, 4])
        #expect(result.compressionRatio == CompressionRatio.of("hello world foo bar"))
        #expect(passes == 1 + 5)
    }

    @Test("without a compression threshold repetition is accepted")
    func compressionRatioDisabled() throws {
        let options = DecodingOptions(compressionRatioThreshold: nil)
        let (result, passes) = try fallbackDecode(byPass(repetitive, plain), options: options)
        #expect(result.temperature == 0)
        #expect(result.compressionRatio > 2.4)
        #expect(passes == 1)
    }

    @Test("a too unlikely result is decoded again at the next temperature")
    func logProbFallback() throws {
        let unlikely = Row.writing([1, 2, 3], height: 2)
        let (result, _) = try fallbackDecode(byPass(unlikely, plain))
        #expect(result.temperature == 0.2)
        #expect(result.averageLogProb > -1)
    }

    @Test("an unlikely result that looks like silence is kept: no temperature fixes silence")
    func silenceStopsFallback() throws {
        let silent = Row.writing([1, 2, 3], height: 2, noSpeech: 20)
        let (result, passes) = try fallbackDecode(byPass(silent, plain))
        #expect(result.temperature == 0)
        #expect(result.averageLogProb < -1)
        #expect(result.pass.noSpeechProbability > 0.6)
        #expect(passes == 1)
    }

    @Test("when all fail, the likeliest result that is not too repetitive, at the last temperature")
    func allFailPreferNotRepetitive() throws {
        let options = DecodingOptions(temperatures: [0, 0.5], bestOf: 1)
        // At 0.5 the favourite has a probability of about 0.2: an unlikely but readable result.
        let unlikely = Row.writing([1, 2, 3], height: 6)
        let (result, passes) = try fallbackDecode(byPass(repetitive, unlikely), options: options)
        #expect(passes == 2)
        #expect(result.pass.temperature == 0.5)
        #expect(result.averageLogProb < -1)
        #expect(result.compressionRatio <= 2.4)
        #expect(result.temperature == 0.5)
    }

    @Test("when all fail on likelihood, the likeliest wins, reported at the last temperature")
    func allFailLikeliest() throws {
        let options = DecodingOptions(temperatures: [0, 0.5], bestOf: 1)
        let first = Row.writing([1, 2, 3], height: 3)
        let second = Row.writing([4, 3, 2], height: 2)
        let (result, _) = try fallbackDecode(byPass(first, second), options: options)
        #expect(result.pass.tokens == [1, 2, 3])
        #expect(result.pass.temperature == 0)
        #expect(result.temperature == 0.5)
    }

    @Test("prompt plus max_new_tokens may not exceed 448")
    func maxNewTokensTooLong() {
        #expect(throws: WhisperError.promptTooLong(promptLength: 2, maxNewTokens: 447)) {
            try fallbackDecode(plain, options: DecodingOptions(maxNewTokens: 447))
        }
    }
}

@Suite("Compression ratio")
struct CompressionRatioTests {
    // Expected values from Python 3.11: len(b) / len(zlib.compress(b)) (zlib 1.2.13).
    @Test("matches Python's zlib.compress", arguments: [
        ("", 0.0),
        ("a", 0.1111111111111111),
        ("hello world", 0.5789473684210527),
        ("The quick brown fox jumps over the lazy dog.", 0.8627450980392157),
        (String(repeating: " hello", count: 50), 16.666666666666668),
        ("Привет, мир! こんにちは世界", 0.7962962962962963),
        (String(repeating: "ha", count: 200), 26.666666666666668),
        ("This planet has, or rather had, a problem, which was this.", 0.9206349206349206),
    ])
    func matchesPython(text: String, expected: Double) {
        #expect(compressionRatio(text) == expected)
    }
}
