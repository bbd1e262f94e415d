/// Builds the prompt of one window as faster-whisper's `get_prompt` does.
public enum PromptBuilder {
    /// At most this many tokens of previous text, hotwords or prefix (`max_length // 2 - 1`).
    static let maxContextTokens = WhisperTiming.maxTokens / 2 - 1

    /// `[<|startofprev|>, hotwords, previous text]` when there is any, then the
    /// start-of-transcript sequence, `<|notimestamps|>` when timestamps are off, and the
    /// prefix (after `<|0.00|>` when they are on). Hotwords are only used without a prefix.
    public static func prompt(
        vocabulary: any WhisperVocabulary,
        sotSequence: [Int],
        previousTokens: ArraySlice<Int>,
        withoutTimestamps: Bool,
        prefix: String?,
        hotwords: String?
    ) -> [Int] {
        var prompt: [Int] = []
        let hasPrefix = !(prefix ?? "").isEmpty
        let hotwordText = hasPrefix ? nil : hotwords.flatMap { $0.isEmpty ? nil : $0 }

        if !previousTokens.isEmpty || hotwordText != nil {
            prompt.append(vocabulary.startOfPrevious)
            if let hotwordText {
                prompt += limited(vocabulary.encode(" " + PythonText.strip(hotwordText)))
            }
            prompt += previousTokens.suffix(maxContextTokens)
        }
        prompt += sotSequence
        if withoutTimestamps {
            prompt.append(vocabulary.noTimestamps)
        }
        if let prefix, hasPrefix {
            let prefixTokens = limited(vocabulary.encode(" " + PythonText.strip(prefix)))
            if !withoutTimestamps {
                prompt.append(vocabulary.timestampBegin)
            }
            prompt += prefixTokens
        }
        return prompt
    }

    /// Cuts hotwords and prefixes that would take half the context or more.
    private static func limited(_ tokens: [Int]) -> [Int] {
        tokens.count >= WhisperTiming.maxTokens / 2 ? Array(tokens.prefix(maxContextTokens)) : tokens
    }
}
