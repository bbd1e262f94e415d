/// An error whose message is meant for the person at the terminal; printed without usage text.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
