import DeviceMemory

/// A broken promise of the allocator, with what was expected and what was found.
public struct ConformanceViolation: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Throws a violation unless `condition` holds.
@inline(__always)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) throws(ConformanceViolation) {
    if !condition() { throw ConformanceViolation(message()) }
}

