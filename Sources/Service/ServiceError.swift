/// The one error type of the service layer: a code to branch on (and to map to HTTP) and a
/// message a user can act on.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case unknownModel = "unknown_model"
        case modelBusy = "model_busy"
        case invalidRequest = "invalid_request"
        case engineFailure = "engine_failure"
        /// The server is stopping; the request may be tried again after the restart.
        case shuttingDown = "shutting_down"
        /// A user cancelled the job.
        case cancelled
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
