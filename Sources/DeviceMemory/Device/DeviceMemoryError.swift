/// The one error type of the device-memory module: a code to branch on and a message a user can act on.
public struct DeviceMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// The device could not satisfy a request even after the cache was released.
        case outOfMemory = "out_of_memory"
        /// A pointer that this allocator did not hand out, or that was already freed.
        case unknownAddress = "unknown_address"
        /// A configuration value (struct or `AURIS_ALLOC_CONF`) is out of range or malformed.
        case invalidConfiguration = "invalid_configuration"
        /// A device name that does not parse.
        case invalidDevice = "invalid_device"
        /// The device's runtime (for example the CUDA driver) is not present on this machine.
        case unavailable
        /// The device's runtime reported an error other than running out of memory.
        case backendFailure = "backend_failure"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
