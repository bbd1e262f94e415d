/// How a ``CachingAllocator`` behaves. The defaults are PyTorch's defaults.
public struct AllocatorConfiguration: Sendable, Equatable, Codable {
    /// Blocks of this size or larger are never split, and a request below it is never served
    /// from such a block. Limits fragmentation at the cost of some reuse. `nil` = unlimited.
    public var maxSplitSize: Int?
    /// When reserved memory passes this fraction of the allowed maximum, the allocator frees the
    /// oldest cached large blocks before asking the device for more. `nil` = off.
    public var garbageCollectionThreshold: Double?
    /// The share of the device's total memory this allocator may reserve (0 < f ≤ 1).
    public var memoryFraction: Double
    /// How many events (allocations, frees, segment changes, OOMs, cache clears) the snapshot
    /// history keeps; 0 turns recording off.
    public var historyCapacity: Int

    public init(
        maxSplitSize: Int? = nil,
        garbageCollectionThreshold: Double? = nil,
        memoryFraction: Double = 1.0,
        historyCapacity: Int = 10_000
    ) {
        self.maxSplitSize = maxSplitSize
        self.garbageCollectionThreshold = garbageCollectionThreshold
        self.memoryFraction = memoryFraction
        self.historyCapacity = historyCapacity
    }

    public static let `default` = AllocatorConfiguration()

    /// Checks every value, naming the first one that is wrong and what is allowed.
    public func validated() throws(DeviceMemoryError) -> AllocatorConfiguration {
        if let maxSplitSize, maxSplitSize <= SizeClass.largeSegmentSize {
            throw DeviceMemoryError(.invalidConfiguration,
                "max_split_size must be larger than \(SizeClass.largeSegmentSize >> 20) MiB (got \(maxSplitSize) bytes)")
        }
        if let threshold = garbageCollectionThreshold, !(threshold > 0 && threshold < 1) {
            throw DeviceMemoryError(.invalidConfiguration,
                "garbage_collection_threshold must be between 0 and 1, exclusive (got \(threshold))")
        }
        if !(memoryFraction > 0 && memoryFraction <= 1) {
            throw DeviceMemoryError(.invalidConfiguration,
                "memory_fraction must be greater than 0 and at most 1 (got \(memoryFraction))")
        }
        if historyCapacity < 0 {
            throw DeviceMemoryError(.invalidConfiguration, "history capacity cannot be negative (got \(historyCapacity))")
        }
        return self
    }

    enum CodingKeys: String, CodingKey {
        case maxSplitSize = "max_split_size"
        case garbageCollectionThreshold = "garbage_collection_threshold"
        case memoryFraction = "memory_fraction"
        case historyCapacity = "history_capacity"
    }
}
