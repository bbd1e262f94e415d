/// The one error type of the model-format reader and writer: a code to branch on and a message
/// that names the file and says what is wrong with it.
public struct ModelFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
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
        /// The vocabulary file cannot be parsed or disagrees with the model.
        case invalidVocabulary = "invalid_vocabulary"
        /// The writer was asked for something the format cannot represent.
        case invalidArgument = "invalid_argument"
        /// Writing a file failed.
        case writeFailed = "write_failed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
