/// Why a tokenizer could not be loaded or asked.
public enum WhisperTokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model directory has neither `vocabulary.json` nor `vocabulary.txt`.
    case missingVocabulary(directory: String)
    /// A file could not be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// A special token that every Whisper vocabulary has is not in this one.
    case missingSpecialToken(String)
    /// `tokenizer.json` disagrees with the model's vocabulary, or describes a tokenizer that is
    /// not byte-level BPE.
    case incompatibleTokenizerJSON(path: String, reason: String)
    /// A multilingual model was asked for a language its vocabulary has no token for (or for no
    /// language at all).
    case unsupportedLanguage(String?)

    public var description: String {
        switch self {
        case .missingVocabulary(let directory):
            return "no vocabulary.json or vocabulary.txt in \(directory)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .missingSpecialToken(let token):
            return "the vocabulary has no \(token) token"
        case .incompatibleTokenizerJSON(let path, let reason):
            return "\(path) cannot be used: \(reason)"
        case .unsupportedLanguage(let code):
            if let code { return "the model has no language token for '\(code)'" }
            return "a multilingual model needs a language"
        }
    }
}
