/// One counter as PyTorch reports it: the value now, its high-water mark, and the totals
/// added and removed since the last reset.
public struct Stat: Sendable, Codable, Equatable {
    public var current = 0
    public var peak = 0
    public var allocated = 0
    public var freed = 0

    public init() {}

    @inline(__always)
    mutating func increase(_ amount: Int) {
        current += amount
        allocated += amount
        if current > peak { peak = current }
    }

    @inline(__always)
    mutating func decrease(_ amount: Int) {
        current -= amount
        freed += amount
    }
}

/// A counter split as PyTorch splits it: over all pools, the small pool and the large pool.
public struct StatArray: Sendable, Codable, Equatable {
    public var all = Stat()
    public var smallPool = Stat()
    public var largePool = Stat()

    public init() {}

    public subscript(pool: PoolKind) -> Stat {
        pool == .small ? smallPool : largePool
    }

    @inline(__always)
    mutating func increase(_ amount: Int, _ pool: PoolKind) {
        all.increase(amount)
        if pool == .small { smallPool.increase(amount) } else { largePool.increase(amount) }
    }

    @inline(__always)
    mutating func decrease(_ amount: Int, _ pool: PoolKind) {
        all.decrease(amount)
        if pool == .small { smallPool.decrease(amount) } else { largePool.decrease(amount) }
    }

    mutating func resetPeak() {
        all.peak = all.current
        smallPool.peak = smallPool.current
        largePool.peak = largePool.current
    }

    mutating func resetAccumulated() {
        for keyPath in [\StatArray.all, \.smallPool, \.largePool] {
            self[keyPath: keyPath].allocated = 0
            self[keyPath: keyPath].freed = 0
        }
    }

    enum CodingKeys: String, CodingKey {
        case all
        case smallPool = "small_pool"
        case largePool = "large_pool"
    }
}

/// The allocator's statistics, with PyTorch's names and shape (`torch.cuda.memory_stats`), so
/// that dashboards and habits built for PyTorch apply unchanged.
///
/// - *allocated*: bytes in blocks handed out to live tensors.
/// - *reserved*: bytes the allocator holds from the device (allocated + cached).
/// - *inactive split*: free blocks inside partly used segments — the fragmentation that
///   `emptyCache()` cannot return.
public struct MemoryStats: Sendable, Codable, Equatable {
    public var allocation = StatArray()
    public var segment = StatArray()
    public var active = StatArray()
    public var inactiveSplit = StatArray()
    public var allocatedBytes = StatArray()
    public var reservedBytes = StatArray()
    public var activeBytes = StatArray()
    public var inactiveSplitBytes = StatArray()
    public var requestedBytes = StatArray()
    /// Allocations of `maxSplitSize` or larger, and the segments holding them.
    public var oversizeAllocations = Stat()
    public var oversizeSegments = Stat()
    /// Times the allocator released its whole cache to retry a failed device allocation.
    public var numAllocRetries = 0
    /// Requests that failed even after releasing the cache.
    public var numOOMs = 0
    /// Calls into the device to allocate and free segments.
    public var numDeviceAlloc = 0
    public var numDeviceFree = 0
    /// Times `emptyCache()` ran, and garbage-collection passes that released memory.
    public var numEmptyCache = 0
    public var numGarbageCollections = 0

    public init() {}

    /// Cached bytes: what `emptyCache()` could give back at most (reserved − allocated).
    public var cachedBytes: Int { reservedBytes.all.current - allocatedBytes.all.current }

    /// The share of cached bytes trapped in partly used segments (0 when nothing is cached).
    public var fragmentation: Double {
        let cached = cachedBytes
        return cached > 0 ? Double(inactiveSplitBytes.all.current) / Double(cached) : 0
    }

    mutating func resetPeaks() {
        for keyPath in Self.arrays { self[keyPath: keyPath].resetPeak() }
        oversizeAllocations.peak = oversizeAllocations.current
        oversizeSegments.peak = oversizeSegments.current
    }

    mutating func resetAccumulated() {
        for keyPath in Self.arrays { self[keyPath: keyPath].resetAccumulated() }
        for keyPath in [\MemoryStats.oversizeAllocations, \.oversizeSegments] {
            self[keyPath: keyPath].allocated = 0
            self[keyPath: keyPath].freed = 0
        }
        numAllocRetries = 0
        numOOMs = 0
        numDeviceAlloc = 0
        numDeviceFree = 0
        numEmptyCache = 0
        numGarbageCollections = 0
    }

    static var arrays: [WritableKeyPath<MemoryStats, StatArray>] {[
        \.allocation, \.segment, \.active, \.inactiveSplit, \.allocatedBytes,
        \.reservedBytes, \.activeBytes, \.inactiveSplitBytes, \.requestedBytes,
    ]}

    enum CodingKeys: String, CodingKey {
        case allocation, segment, active
        case inactiveSplit = "inactive_split"
        case allocatedBytes = "allocated_bytes"
        case reservedBytes = "reserved_bytes"
        case activeBytes = "active_bytes"
        case inactiveSplitBytes = "inactive_split_bytes"
        case requestedBytes = "requested_bytes"
        case oversizeAllocations = "oversize_allocations"
        case oversizeSegments = "oversize_segments"
        case numAllocRetries = "num_alloc_retries"
        case numOOMs = "num_ooms"
        case numDeviceAlloc = "num_device_alloc"
        case numDeviceFree = "num_device_free"
        case numEmptyCache = "num_empty_cache"
        case numGarbageCollections = "num_garbage_collections"
    }
}
