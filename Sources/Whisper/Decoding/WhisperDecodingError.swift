/// Why decoding could not run; each case says what the caller can change.
public enum WhisperDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A prompt must contain `<|startoftranscript|>`.
    case promptWithoutStartOfTranscript
    /// Prompt plus `maxNewTokens` exceed the decoder's 448-token context.
    case promptTooLong(promptLength: Int, maxNewTokens: Int)
    /// The runner returned a logits row of the wrong size or count.
    case malformedLogits(expected: Int, got: Int)
    /// The language is not in the model's vocabulary.
    case unknownLanguage(String)
    /// There is no temperature to decode at.
    case noTemperatures

    public var description: String {
        switch self {
        case .promptWithoutStartOfTranscript:
            return "The decoder prompt has no <|startoftranscript|> token."
        case let .promptTooLong(promptLength, maxNewTokens):
            return "The prompt has \(promptLength) tokens and max_new_tokens is \(maxNewTokens): "
                + "together they exceed the model's \(WhisperTiming.maxTokens)-token context; "
                + "shorten the prompt or lower max_new_tokens."
        case let .malformedLogits(expected, got):
            return "The model returned \(got) logits where \(expected) were expected."
        case let .unknownLanguage(code):
            return "The model does not know the language '\(code)'."
        case .noTemperatures:
            return "Decoding needs at least one temperature."
        }
    }
}
