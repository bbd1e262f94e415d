/// A prompt as CTranslate2's Whisper `generate` reads it (`check_prompts`, `get_prompt_length`
/// in `src/models/whisper.cc`): optional previous text, the start-of-transcript sequence
/// (`<|startoftranscript|>`, language, task, maybe `<|notimestamps|>`), then tokens that are
/// forced as the beginning of the transcript (a prefix, after `<|0.00|>` when timestamps are on).
public struct DecoderPrompt: Sendable, Hashable {
    /// The whole prompt.
    public let tokens: [Int]
    /// Where `<|startoftranscript|>` is; the logits after it give the no-speech probability.
    public let startOfTranscriptIndex: Int
    /// The index just past the start-of-transcript sequence (CTranslate2's `prompt_length`).
    public let sequenceEnd: Int
    /// Whether the timestamp grammar applies: the sequence does not end with `<|notimestamps|>`.
    public let usesTimestamps: Bool

    /// Reads `tokens`; throws when there is no `<|startoftranscript|>`.
    public init(tokens: [Int], vocabulary: any WhisperVocabulary) throws {
        guard let sot = tokens.firstIndex(of: vocabulary.startOfTranscript) else {
            throw WhisperError.promptWithoutStartOfTranscript
        }
        var end = sot
        let specials = vocabulary.startOfTranscript...vocabulary.noTimestamps
        while end < tokens.count && specials.contains(tokens[end]) { end += 1 }
        self.tokens = tokens
        self.startOfTranscriptIndex = sot
        self.sequenceEnd = end
        self.usesTimestamps = tokens[end - 1] != vocabulary.noTimestamps
    }

    /// The tokens forced at the start of the transcript (CTranslate2's `prefix_ids`); they are
    /// part of the result, and the first sampled step comes after them.
    public var forcedTokens: ArraySlice<Int> { tokens[sequenceEnd...] }

    /// The decoder position of the last sequence token (CTranslate2's `start_step`): every
    /// prompt token before it is context, not part of the result.
    public var startStep: Int { sequenceEnd - 1 }

    /// How many tokens the result may hold, forced ones included, for a total budget of
    /// `maxLength` (448, or prompt length + `max_new_tokens`). CTranslate2 uses
    /// `min(maxLength / 2, maxLength - start_step)`, so a window never yields more than 224.
    public func resultLengthLimit(maxLength: Int) -> Int {
        min(maxLength / 2, maxLength - startStep)
    }
}
