/// The one error type of the speech engine: a code to branch on and a message a user can act on
/// (it names the file, the token or the option that is wrong).
public struct WhisperError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        // The model directory and its files.
        /// A file the model needs (`model.bin`, `config.json`, the vocabulary) is not there.
        case missingFile = "missing_file"
        /// The file exists but could not be opened, inspected or mapped (permissions, a directory, …).
        case unreadableFile = "unreadable_file"
        /// The file is not a CTranslate2 `model.bin` at all (for example a PyTorch, safetensors or
        /// GGML file).
        case notCTranslate2 = "not_ctranslate2"
        /// A CTranslate2 binary version or spec revision newer than this reader understands.
        case unsupportedVersion = "unsupported_version"
        /// The file ends before a value or a variable's data that it declares.
        case truncated
        /// A data-type id outside the CTranslate2 `DataType` enum.
        case unknownDataType = "unknown_data_type"
        /// A structural inconsistency: byte count disagreeing with the shape, a name that is not
        /// UTF-8, an empty name, a duplicated variable, …
        case malformed
        /// The model is a CTranslate2 model of another kind than the one asked for (not `WhisperSpec`).
        case wrongSpec = "wrong_spec"
        /// A variable that the spec requires is absent.
        case missingVariable = "missing_variable"
        /// A variable has a shape that is inconsistent with the rest of the model.
        case shapeMismatch = "shape_mismatch"
        /// A variable has a data type that the requested operation cannot use (for example reading a
        /// float tensor as an integer scalar, or an int8 weight without its `_scale`).
        case dataTypeMismatch = "data_type_mismatch"
        /// `config.json` is not valid JSON or a field has the wrong type.
        case invalidConfig = "invalid_config"
        /// The vocabulary or `tokenizer.json` cannot be parsed, disagrees with the model, or lacks
        /// a token every Whisper vocabulary has.
        case invalidVocabulary = "invalid_vocabulary"
        /// The model as a whole cannot be used (weights that disagree with its configuration).
        case invalidModel = "invalid_model"
        /// The model-file writer was asked for something the format cannot represent.
        case invalidArgument = "invalid_argument"
        /// Writing a file failed.
        case writeFailed = "write_failed"

        // Running the model.
        /// More tokens than the decoder's context holds.
        case sequenceTooLong = "sequence_too_long"
        /// Features of the wrong shape for the model.
        case invalidFeatures = "invalid_features"
        /// Decoding options that cannot work together (no temperature, say).
        case invalidOptions = "invalid_options"
        /// A language the model has no token for, or none for a multilingual model.
        case unsupportedLanguage = "unsupported_language"
        /// A decoder prompt that cannot be decoded (no `<|startoftranscript|>`, or too long).
        case invalidPrompt = "invalid_prompt"
        /// The model returned logits of the wrong size or count.
        case malformedLogits = "malformed_logits"
        /// The temporary file that holds a long recording's features could not be written or read.
        case featureStorage = "feature_storage"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether the error is about the model's files rather than the audio or the options.
    public var isAboutTheModel: Bool {
        switch code {
        case .sequenceTooLong, .invalidFeatures, .invalidOptions, .unsupportedLanguage, .invalidPrompt, .malformedLogits, .featureStorage:
            false
        default:
            true
        }
    }
}

// The errors thrown in more than one place, with their messages.
extension WhisperError {
    public static var noTemperatures: WhisperError { WhisperError(.invalidOptions, "Decoding needs at least one temperature.") }

    public static var promptWithoutStartOfTranscript: WhisperError {
        WhisperError(.invalidPrompt, "The decoder prompt has no <|startoftranscript|> token.")
    }

    public static func promptTooLong(promptLength: Int, maxNewTokens: Int) -> WhisperError {
        WhisperError(.invalidPrompt, "The prompt has \(promptLength) tokens and max_new_tokens is \(maxNewTokens): "
            + "together they exceed the model's \(WhisperTiming.maxTokens)-token context; shorten the prompt or lower max_new_tokens.")
    }

    public static func malformedLogits(expected: Int, got: Int) -> WhisperError {
        WhisperError(.malformedLogits, "The model returned \(got) logits where \(expected) were expected.")
    }

    public static func unknownLanguage(_ code: String) -> WhisperError {
        WhisperError(.unsupportedLanguage, "The model does not know the language '\(code)'.")
    }

    public static func unsupportedLanguage(_ code: String?) -> WhisperError {
        WhisperError(.unsupportedLanguage, code.map { "the model has no language token for '\($0)'" } ?? "a multilingual model needs a language")
    }

    public static func missingVocabulary(directory: String) -> WhisperError {
        WhisperError(.missingFile, "no vocabulary.json or vocabulary.txt in \(directory)")
    }

    public static func unreadableFile(path: String, reason: String) -> WhisperError {
        WhisperError(.unreadableFile, "cannot read \(path): \(reason)")
    }

    public static func missingSpecialToken(_ token: String) -> WhisperError {
        WhisperError(.invalidVocabulary, "the vocabulary has no \(token) token")
    }

    public static func incompatibleTokenizerJSON(path: String, reason: String) -> WhisperError {
        WhisperError(.invalidVocabulary, "\(path) cannot be used: \(reason)")
    }
}
