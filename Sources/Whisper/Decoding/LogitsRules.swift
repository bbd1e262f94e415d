/// Everything CTranslate2's Whisper `generate` does to a row of logits before choosing a token,
/// in its order (`make_logits_processors` in `src/decoding.cc`): the suppressed tokens, then the
/// blank suppression at the first sampled step, then the timestamp grammar. (Repetition penalty
/// and n-gram blocking would come before these; faster-whisper leaves them off by default.)
public struct LogitsRules: Sendable, Hashable {
    /// Tokens disabled at every step.
    public var suppressedTokens: [Int]
    /// Tokens disabled at the first sampled step only; empty when `suppress_blank` is off.
    public var blankTokens: [Int]
    /// The timestamp grammar; nil when the prompt asks for no timestamps.
    public var timestamps: TimestampRules?

    public init(suppressedTokens: [Int], blankTokens: [Int], timestamps: TimestampRules?) {
        self.suppressedTokens = suppressedTokens
        self.blankTokens = blankTokens
        self.timestamps = timestamps
    }

    /// Applies the rules for the token at `step`. `sequence` holds the tokens of steps
    /// `0..<step` (the forced prefix first) and `sampleBegin` is the length of that prefix,
    /// i.e. the first step the model chooses.
    ///
    /// Returns the final row's log-softmax shift when the timestamp rule already computed it
    /// (see ``TimestampRules/apply(to:step:sampleBegin:sequence:)``); nil when it did not.
    @discardableResult
    public func apply(to logits: inout [Float], step: Int, sampleBegin: Int, sequence: [Int]) -> Float? {
        for token in suppressedTokens where token < logits.count {
            logits[token] = LogitsMath.disabled
        }
        if step == sampleBegin {
            for token in blankTokens where token >= 0 && token < logits.count {
                logits[token] = LogitsMath.disabled
            }
        }
        return timestamps?.apply(to: &logits, step: step, sampleBegin: sampleBegin, sequence: sequence)
    }
}
