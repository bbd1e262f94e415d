/// The one error type of the speech engine: a code to branch on and a message a user can act on.
public struct WhisperError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case invalidModel = "invalid_model"
        case sequenceTooLong = "sequence_too_long"
        case invalidFeatures = "invalid_features"
        case invalidOptions = "invalid_options"
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
}
