import Foundation

/// One decoding pass over one encoded window at one temperature, reproducing CTranslate2's
/// `GreedySearch::search` for a Whisper prompt (`src/decoding.cc`, `src/models/whisper.cc`).
///
/// Per step: the logits rules (suppressed tokens, blank suppression at the first sampled step,
/// timestamp grammar), then a log-softmax, then the choice (argmax, or a draw at the
/// temperature), and the chosen token's log-probability is added to the sum whatever it is,
/// `<|endoftext|>` included. The no-speech probability is read from the untouched logits after
/// `<|startoftranscript|>`.
public struct GreedyDecoder: Sendable {
    /// Tokens never sampled (already resolved: see `SuppressedTokens`).
    public var suppressedTokens: [Int]
    /// Tokens forbidden as the first sampled token; empty without `suppress_blank`.
    public var blankTokens: [Int]
    /// How many timestamp steps the first timestamp may be late (50 for 1 second).
    public var maxInitialTimestampIndex: Int
    /// Exponent of the length normalisation of the score.
    public var lengthPenalty: Double
    /// Every logits row has this many entries; the last is the last timestamp.
    public var vocabularySize: Int
    /// Asked before every step: true stops the pass with `CancellationError` (a cancelled job
    /// stops within one token, not at the end of its window's up to 6 × 224 tokens).
    public var shouldStop: @Sendable () -> Bool = { false }
    let endOfText: Int
    let noSpeech: Int
    let noTimestamps: Int
    let timestampBegin: Int

    /// A decoder for `vocabulary` with faster-whisper's reading of `options`.
    public init(vocabulary: any WhisperVocabulary, vocabularySize: Int, options: DecodingOptions) {
        suppressedTokens = SuppressedTokens.resolve(options.suppressTokens, vocabulary: vocabulary)
        blankTokens = options.suppressBlank ? vocabulary.blankSuppressTokens : []
        // faster-whisper: int(round(max_initial_timestamp / time_precision)), rounding half to even.
        let index = (options.maxInitialTimestamp / WhisperTiming.timestampPrecision)
            .rounded(.toNearestOrEven)
        maxInitialTimestampIndex = index.isFinite ? Int(max(0, min(index, 1e9))) : 0
        lengthPenalty = options.lengthPenalty
        self.vocabularySize = vocabularySize
        endOfText = vocabulary.endOfText
        noSpeech = vocabulary.noSpeech
        noTimestamps = vocabulary.noTimestamps
        timestampBegin = vocabulary.timestampBegin
    }

    /// The rules for a prompt: the timestamp grammar only when it asks for timestamps.
    public func rules(for prompt: DecoderPrompt) -> LogitsRules {
        let timestamps = prompt.usesTimestamps
            ? TimestampRules(endOfText: endOfText, noTimestamps: noTimestamps,
                             timestampBegin: timestampBegin, timestampEnd: vocabularySize - 1,
                             maxInitialTimestamp: timestampBegin + maxInitialTimestampIndex)
            : nil
        return LogitsRules(suppressedTokens: suppressedTokens, blankTokens: blankTokens,
                           timestamps: timestamps)
    }

    /// Decodes `window` after `prompt`, within a total budget of `maxLength` tokens (448, or
    /// prompt length + `max_new_tokens`).
    public func decode(
        _ window: any EncodedWindow, prompt: DecoderPrompt, maxLength: Int, temperature: Double,
        using rng: inout some RandomNumberGenerator
    ) throws -> DecodingPass {
        let limit = prompt.resultLengthLimit(maxLength: maxLength)
        guard limit > 0 else {
            throw WhisperError.promptTooLong(promptLength: prompt.tokens.count,
                                              maxNewTokens: maxLength - prompt.tokens.count)
        }
        let decoder = try window.makeDecoder()
        let (noSpeechLogits, firstLogits) = try feedPrompt(prompt, to: decoder)
        let noSpeechProbability = LogitsMath.softmax(noSpeechLogits)[noSpeech]

        let forced = Array(prompt.forcedTokens)
        var sequence = Array(forced.prefix(limit))
        var sumLogProb: Float = 0
        var endedAtEndOfText = false
        var logits = firstLogits
        var fedCount = prompt.tokens.count
        let rules = self.rules(for: prompt)

        while sequence.count < limit {
            if shouldStop() { throw CancellationError() }
            let shift = rules.apply(to: &logits, step: sequence.count, sampleBegin: forced.count,
                                    sequence: sequence) ?? LogitsMath.logSoftmaxShift(logits)
            let logProbs = LogitsMath.shifted(logits, by: shift)
            let token = TokenSampler.choose(from: logProbs, temperature: temperature, using: &rng)
            sumLogProb += logProbs[token]
            if token == endOfText {
                endedAtEndOfText = true
                break
            }
            sequence.append(token)
            if sequence.count == limit { break }
            logits = try checked(decoder.feed([token], logitsAt: [fedCount]), rows: 1)[0]
            fedCount += 1
        }
        return finish(tokens: sequence, sumLogProb: sumLogProb, noSpeech: noSpeechProbability,
                      endedAtEndOfText: endedAtEndOfText, temperature: temperature)
    }

    /// Feeds the whole prompt, forced tokens included, and returns the logits after
    /// `<|startoftranscript|>` and after the last prompt token (the same row when they coincide).
    private func feedPrompt(_ prompt: DecoderPrompt, to decoder: any TokenDecoder) throws
        -> (noSpeech: [Float], next: [Float]) {
        let last = prompt.tokens.count - 1
        let sot = prompt.startOfTranscriptIndex
        if sot == last {
            let row = try checked(decoder.feed(prompt.tokens, logitsAt: [last]), rows: 1)[0]
            return (row, row)
        }
        let rows = try checked(decoder.feed(prompt.tokens, logitsAt: [sot, last]), rows: 2)
        return (rows[0], rows[1])
    }

    private func checked(_ rows: [[Float]], rows expected: Int) throws -> [[Float]] {
        guard rows.count == expected else {
            throw WhisperError.malformedLogits(expected: expected, got: rows.count)
        }
        for row in rows where row.count != vocabularySize {
            throw WhisperError.malformedLogits(expected: vocabularySize, got: row.count)
        }
        return rows
    }

    private func finish(tokens: [Int], sumLogProb: Float, noSpeech: Float, endedAtEndOfText: Bool,
                        temperature: Double) -> DecodingPass {
        // CTranslate2's finalize_hypothesis_score, in float: an empty result divides by zero
        // and yields -inf or NaN exactly as the reference does.
        let score = sumLogProb / powf(Float(tokens.count), Float(lengthPenalty))
        return DecodingPass(tokens: tokens, sumLogProb: sumLogProb, score: score,
                            noSpeechProbability: noSpeech, endedAtEndOfText: endedAtEndOfText,
                            temperature: temperature, lengthPenalty: lengthPenalty)
    }
}
