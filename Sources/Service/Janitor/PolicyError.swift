/// The error of the memory policies: a code to branch on, a message a user can act on, and the
/// policy field it is about, so that a web page can point at the field that needs fixing.
///
/// These errors go back to HTTP clients as `400 Bad Request` bodies, so every message names the
/// field in the spelling the client sent (`cleanup_schedule`, `warning_fraction`) and says what
/// would be accepted.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// A cron expression that does not parse, or that can never fire.
        case invalidSchedule = "invalid_schedule"
        /// A number out of its range (a fraction above 1, a negative count, ...).
        case invalidValue = "invalid_value"
        /// A time zone name that the system's time-zone database does not know.
        case unknownTimeZone = "unknown_time_zone"
        /// A key in a policies document that is not a policy (usually a typo).
        case unknownField = "unknown_field"
    }

    public let code: Code
    public let message: String
    /// The snake_case policy field the error is about, when there is one.
    public let field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
