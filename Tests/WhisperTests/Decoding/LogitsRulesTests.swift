import Testing
@testable import Whisper

/// Decodes one pass of `script` after `prompt` (default: English, with timestamps).
func decodeOnce(
    _ script: @escaping @Sendable (ScriptContext) -> [Float],
    options: DecodingOptions = DecodingOptions(), prompt: [Int] = [11], temperature: Double = 0,
    maxLength: Int = 448
) throws -> DecodingPass {
    let vocabulary = FakeVocabulary()
    let runner = ScriptedRunner(script: script)
    let greedy = GreedyDecoder(vocabulary: vocabulary, vocabularySize: FakeVocabulary.size, options: options)
    let window = try runner.encode(features: [], melBins: 0)
    var rng = SeededRandomGenerator(seed: 1)
    return try greedy.decode(window, prompt: DecoderPrompt(tokens: prompt, vocabulary: vocabulary),
                             maxLength: maxLength, temperature: temperature, using: &rng)
}

/// A script that returns `rows[step]` for each step (the last row repeats).
func steps(_ rows: [[Float]]) -> @Sendable (ScriptContext) -> [Float] {
    { context in rows[min(context.generated.count, rows.count - 1)] }
}

let eot = 10
let noTimestampsPrompt = [11, 19]

@Suite("Suppressed tokens and blank suppression")
struct SuppressionTests {
    @Test("suppress_blank forbids a space or end of text as the first sampled token only")
    func suppressBlankAtFirstStep() throws {
        let script = steps([Row.with([0: 10, 1: 5]), Row.with([0: 10]), Row.peak(eot)])
        let pass = try decodeOnce(script, prompt: noTimestampsPrompt)
        // Step 0 cannot be the blank; step 1 can.
        #expect(pass.tokens == [1, 0])

        let endFirst = try decodeOnce(steps([Row.with([eot: 10, 2: 5]), Row.peak(eot)]),
                                      prompt: noTimestampsPrompt)
        #expect(endFirst.tokens == [2])
    }

    @Test("without suppress_blank the blank may come first")
    func blankAllowedWhenOff() throws {
        let script = steps([Row.with([0: 10, 1: 5]), Row.peak(eot)])
        let pass = try decodeOnce(script, options: DecodingOptions(suppressBlank: false),
                                  prompt: noTimestampsPrompt)
        #expect(pass.tokens == [0])
    }

    @Test("-1 stands for the non-speech symbols, plus the task, start and no-speech tokens")
    func resolveSuppressedTokens() {
        let vocabulary = FakeVocabulary()
        #expect(vocabulary.nonSpeechTokens == [5])
        #expect(SuppressedTokens.resolve([-1], vocabulary: vocabulary) == [5, 11, 14, 15, 16, 17, 18])
        #expect(SuppressedTokens.resolve([3, 3], vocabulary: vocabulary) == [3, 11, 14, 15, 16, 17, 18])
        // faster-whisper passes nil and [] through untouched: nothing at all is suppressed.
        #expect(SuppressedTokens.resolve(nil, vocabulary: vocabulary).isEmpty)
        #expect(SuppressedTokens.resolve([], vocabulary: vocabulary).isEmpty)
    }

    @Test("suppressed tokens are never sampled, at any step")
    func suppressedTokensNeverSampled() throws {
        let script = steps([Row.with([1: 5]), Row.with([5: 10, 2: 5]), Row.with([18: 10, 3: 5]),
                            Row.peak(eot)])
        let pass = try decodeOnce(script, prompt: noTimestampsPrompt)
        #expect(pass.tokens == [1, 2, 3])

        let unsuppressed = try decodeOnce(script, options: DecodingOptions(suppressTokens: nil),
                                          prompt: noTimestampsPrompt)
        #expect(unsuppressed.tokens == [1, 5, 18])
    }
}

@Suite("Timestamp rules")
struct TimestampRulesTests {
    let rules = TimestampRules(endOfText: 10, noTimestamps: 19, timestampBegin: 20, timestampEnd: 1520,
                               maxInitialTimestamp: 70)
    let off = LogitsMath.disabled

    func applied(_ row: [Float], step: Int, sampleBegin: Int = 0, sequence: [Int]) -> [Float] {
        var row = row
        rules.apply(to: &row, step: step, sampleBegin: sampleBegin, sequence: sequence)
        return row
    }

    @Test("the first token is a timestamp no later than the maximum initial timestamp")
    func firstStep() {
        let row = applied(Row.with([1: 10]), step: 0, sequence: [])
        #expect(row[0..<20].allSatisfy { $0 == off })
        #expect(row[20...70].allSatisfy { $0 == 0 })
        #expect(row[71...].allSatisfy { $0 == off })
    }

    @Test("<|notimestamps|> is always disabled")
    func noTimestampsDisabled() {
        let row = applied(Row.with([1: 10]), step: 3, sequence: [20, 1, 2])
        #expect(row[19] == off)
    }

    @Test("after a lone opening timestamp, the next token is text")
    func afterOpeningTimestamp() {
        let row = applied(Row.with([1: 10]), step: 1, sequence: [20])
        #expect(row[20...].allSatisfy { $0 == off })
        #expect(row[1] == 10 && row[eot] == 0)
    }

    @Test("after text then a timestamp: a timestamp not earlier, or end of text")
    func afterClosingTimestamp() {
        let row = applied(Row.with([1: 10, eot: 9]), step: 3, sequence: [20, 1, 70])
        #expect(row[0..<10].allSatisfy { $0 == off })
        #expect(row[eot] == 9)
        #expect(row[20..<70].allSatisfy { $0 == off })
        #expect(row[70...].allSatisfy { $0 != off })
    }

    @Test("after two timestamps in a row, no timestamp")
    func afterPair() {
        let row = applied(Row.with([1: 10]), step: 4, sequence: [20, 1, 70, 70])
        #expect(row[20...].allSatisfy { $0 == off })
        #expect(row[1] == 10)
    }

    @Test("after text, timestamps must be later than the last one")
    func monotonic() {
        let row = applied(Row.with([1: 10]), step: 5, sequence: [20, 1, 70, 70, 2])
        #expect(row[20...70].allSatisfy { $0 == off })
        #expect(row[71...].allSatisfy { $0 == 0 })
        #expect(row[1] == 10)
    }

    @Test("a timestamp is forced when all timestamps together outweigh the best text token")
    func timestampMass() {
        // 1501 timestamps at 0 weigh log(1501) ≈ 7.31 against the best text token.
        let forced = applied(Row.with([1: 7]), step: 2, sequence: [20, 1])
        #expect(forced[0..<20].allSatisfy { $0 == off })
        let free = applied(Row.with([1: 7.5]), step: 2, sequence: [20, 1])
        #expect(free[1] == 7.5)
    }

    @Test("after a forced prefix, the first sampled token is unconstrained")
    func prefixStep() {
        let row = applied(Row.with([1: 10]), step: 2, sampleBegin: 2, sequence: [20, 1])
        #expect(row[1] == 10 && row[30] == 0 && row[eot] == 0)
        #expect(row[19] == off)
    }

    @Test("decoding follows the grammar even against the model's preference")
    func decodingFollowsGrammar() throws {
        let script = steps([
            Row.with([1: 10, 30: 5]),  // text preferred, but a timestamp comes first
            Row.with([40: 10, 2: 5]),  // after a lone timestamp: text
            Row.with([45: 12]),  // a timestamp closes the segment
            Row.with([3: 10, 44: 9, 60: 8]),  // text forbidden, earlier timestamp forbidden
            Row.with([60: 10, 3: 5]),  // pair closed: text
            Row.with([50: 10, 70: 8]),  // after text: later than 60 only (mass forces one)
            Row.peak(eot),
        ])
        let pass = try decodeOnce(script)
        #expect(pass.tokens == [30, 2, 45, 60, 3, 70])
        #expect(pass.endedAtEndOfText)
    }

    @Test("max_initial_timestamp caps the first timestamp")
    func maxInitialTimestamp() throws {
        let script = steps([Row.with([120: 10, 60: 5]), Row.peak(1), Row.peak(eot)])
        #expect(try decodeOnce(script).tokens.first == 60)
        let later = try decodeOnce(script, options: DecodingOptions(maxInitialTimestamp: 3.0))
        #expect(later.tokens.first == 120)
    }

    @Test("without timestamps no grammar applies")
    func withoutTimestamps() throws {
        let script = steps([Row.with([1: 10]), Row.with([30: 10]), Row.peak(eot)])
        #expect(try decodeOnce(script, prompt: noTimestampsPrompt).tokens == [1, 30])
    }
}
