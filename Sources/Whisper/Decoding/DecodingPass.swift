import Foundation

/// The outcome of one decoding pass over one window at one temperature, with the numbers
/// faster-whisper derives from CTranslate2's `WhisperGenerationResult`.
public struct DecodingPass: Sendable, Hashable {
    /// The transcript tokens: the forced prefix (if any), then the sampled tokens, without the
    /// final `<|endoftext|>` (CTranslate2 returns the prefix, `return_prefix=true`).
    public var tokens: [Int]
    /// Sum of the log-probabilities of the sampled tokens, `<|endoftext|>` included; forced
    /// tokens count 0. Taken after every logits rule, before any temperature scaling.
    public var sumLogProb: Float
    /// CTranslate2's score: `sumLogProb / tokens.count ^ lengthPenalty`.
    public var score: Float
    /// Probability of `<|nospeech|>` predicted after `<|startoftranscript|>`, before any rule.
    public var noSpeechProbability: Float
    /// Whether the pass stopped at `<|endoftext|>` rather than at the length limit.
    public var endedAtEndOfText: Bool
    /// The temperature the pass was sampled at.
    public var temperature: Double
    /// The exponent used for `score`.
    public var lengthPenalty: Double

    /// faster-whisper's `avg_logprob`: the score turned back into a sum and divided by the
    /// token count plus one (for `<|endoftext|>`), in Python's double arithmetic.
    public var averageLogProb: Double {
        let length = Double(tokens.count)
        return Double(score) * pow(length, lengthPenalty) / (length + 1)
    }
}
