/// Parsing of `AURIS_ALLOC_CONF`, the counterpart of PyTorch's `PYTORCH_CUDA_ALLOC_CONF`.
///
/// Note [Parsed once]: PyTorch reads its configuration string from the environment on the hot
/// path of every allocation. Auris parses it once at start-up into a value, so a typo is reported
/// before any model loads and the allocator never looks at the environment again.
extension AllocatorConfiguration {
    /// The environment variable that configures every allocator of the process.
    public static let environmentVariable = "AURIS_ALLOC_CONF"

    /// Parses `key:value` pairs separated by commas, for example
    /// `max_split_size_mb:128,garbage_collection_threshold:0.8`.
    ///
    /// Keys: `max_split_size_mb` (integer MiB, > 20), `garbage_collection_threshold` (0 < t < 1),
    /// `memory_fraction` (0 < f ≤ 1), `history_capacity` (events kept, ≥ 0).
    public init(parsing text: String, base: AllocatorConfiguration = .default) throws(DeviceMemoryError) {
        var configuration = base
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces() }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw Self.badEntry(String(item), "expected key:value")
            }
            let key = parts[0], value = parts[1]
            switch key {
            case "max_split_size_mb":
                guard let megabytes = Int(value), megabytes > 0 else {
                    throw Self.badEntry(String(item), "max_split_size_mb takes a whole number of MiB")
                }
                configuration.maxSplitSize = megabytes << 20
            case "garbage_collection_threshold":
                guard let threshold = Double(value) else {
                    throw Self.badEntry(String(item), "garbage_collection_threshold takes a number between 0 and 1")
                }
                configuration.garbageCollectionThreshold = threshold
            case "memory_fraction":
                guard let fraction = Double(value) else {
                    throw Self.badEntry(String(item), "memory_fraction takes a number in (0, 1]")
                }
                configuration.memoryFraction = fraction
            case "history_capacity":
                guard let capacity = Int(value) else {
                    throw Self.badEntry(String(item), "history_capacity takes a whole number")
                }
                configuration.historyCapacity = capacity
            default:
                throw Self.badEntry(String(item),
                    "unknown key '\(key)'; known keys: max_split_size_mb, garbage_collection_threshold, memory_fraction, history_capacity")
            }
        }
        self = try configuration.validated()
    }

    /// Reads `AURIS_ALLOC_CONF` from `environment`; the defaults when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(DeviceMemoryError) -> AllocatorConfiguration {
        guard let text = environment[environmentVariable], !text.isEmpty else { return .default }
        do {
            return try AllocatorConfiguration(parsing: text)
        } catch {
            throw DeviceMemoryError(.invalidConfiguration, "\(environmentVariable)=\(text): \(error.message)")
        }
    }

    private static func badEntry(_ item: String, _ reason: String) -> DeviceMemoryError {
        DeviceMemoryError(.invalidConfiguration, "'\(item)': \(reason)")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
