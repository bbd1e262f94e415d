/// Whisper's timestamp grammar, as CTranslate2 enforces it on every step
/// (`ApplyTimestampRules` in `src/models/whisper.cc`): a transcript is a run of
/// `<|t0|> text <|t1|>` segments whose timestamps never go back.
///
/// CTranslate2 installs these rules only when the prompt does not end with `<|notimestamps|>`.
public struct TimestampRules: Sendable, Hashable {
    /// `<|endoftext|>`.
    public var endOfText: Int
    /// `<|notimestamps|>`.
    public var noTimestamps: Int
    /// `<|0.00|>`.
    public var timestampBegin: Int
    /// The last timestamp id: the last id of the vocabulary.
    public var timestampEnd: Int
    /// The latest timestamp id allowed as the first token (`timestampBegin + index`).
    public var maxInitialTimestamp: Int

    public init(endOfText: Int, noTimestamps: Int, timestampBegin: Int, timestampEnd: Int,
                maxInitialTimestamp: Int) {
        self.endOfText = endOfText
        self.noTimestamps = noTimestamps
        self.timestampBegin = timestampBegin
        self.timestampEnd = timestampEnd
        self.maxInitialTimestamp = maxInitialTimestamp
    }

    /// Disables the tokens the grammar forbids after `sequence[sampleBegin..<step]`.
    ///
    /// `logits` must already carry every other rule of this step: the final check compares
    /// probabilities after all of them, as CTranslate2 applies its pending disables before
    /// taking the log-softmax.
    ///
    /// Returns the row's log-softmax shift when the final check computed it and left the row
    /// as it was (most steps), so that the decoder need not take it again; nil otherwise.
    @discardableResult
    public func apply(to logits: inout [Float], step: Int, sampleBegin: Int, sequence: [Int]) -> Float? {
        logits[noTimestamps] = LogitsMath.disabled
        var checkTimestampMass = false

        if step == sampleBegin && step == 0 {
            // The transcript opens with a timestamp, and not a late one. With a forced prefix
            // (sampleBegin > 0) CTranslate2 applies neither rule to the first sampled token.
            disable(from: 0, upTo: timestampBegin, in: &logits)
            disable(from: maxInitialTimestamp + 1, upTo: timestampEnd + 1, in: &logits)
        } else if step > sampleBegin {
            let last = sequence[step - 1]
            if last >= timestampBegin {
                // When only one token was sampled, CTranslate2 takes it as its own predecessor.
                let penultimate = step - 1 > sampleBegin ? sequence[step - 2] : last
                if penultimate >= timestampBegin {
                    // A closed pair: the next token is text or end of text.
                    disable(from: timestampBegin, upTo: timestampEnd + 1, in: &logits)
                } else {
                    // An open segment was just closed: a new one starts or the text ends, and
                    // its timestamp may equal this one but not precede it.
                    disable(from: 0, upTo: endOfText, in: &logits)
                    disable(from: timestampBegin, upTo: last, in: &logits)
                    checkTimestampMass = true
                }
            } else {
                checkTimestampMass = true
                forbidEarlierTimestamps(in: &logits, step: step, sampleBegin: sampleBegin,
                                        sequence: sequence)
            }
        }

        guard checkTimestampMass else { return nil }
        let shift = LogitsMath.logSoftmaxShift(logits)
        if timestampsOutweighText(logits, shift: shift) {
            disable(from: 0, upTo: timestampBegin, in: &logits)
            return nil
        }
        return shift
    }

    /// After text, a timestamp must be later than the last one sampled (equal is forbidden too,
    /// so that every segment has a non-zero length).
    private func forbidEarlierTimestamps(in logits: inout [Float], step: Int, sampleBegin: Int,
                                         sequence: [Int]) {
        for index in stride(from: step - 1, through: sampleBegin, by: -1)
        where sequence[index] >= timestampBegin {
            disable(from: timestampBegin, upTo: sequence[index] + 1, in: &logits)
            return
        }
    }

    /// Whether the summed probability of all timestamps exceeds that of the likeliest single
    /// other token (`should_sample_timestamp`), in which case a timestamp is forced.
    ///
    /// The reference compares log-probabilities; only the timestamps' are formed here. The text
    /// maximum is the logits' maximum plus the shift, the same float: rounding is monotonic.
    func timestampsOutweighText(_ logits: [Float], shift: Float) -> Bool {
        let textMax = LogitsMath.maximum(logits[0..<timestampBegin]) + shift
        let timestampLogProbs = LogitsMath.shifted(logits[timestampBegin...timestampEnd], by: shift)
        return LogitsMath.logSumExp(timestampLogProbs[...]) > textMax
    }

    /// Disables `lower..<upper`; an empty or inverted range disables nothing, as the
    /// reference's `for` loops do.
    private func disable(from lower: Int, upTo upper: Int, in logits: inout [Float]) {
        var token = Swift.max(lower, 0)
        while token < Swift.min(upper, logits.count) {
            logits[token] = LogitsMath.disabled
            token += 1
        }
    }
}
