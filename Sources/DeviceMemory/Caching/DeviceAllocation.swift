/// A live allocation: give it back with ``CachingAllocator/free(_:)``.
public struct DeviceAllocation: Sendable, Hashable {
    /// The device address (for the host, a pointer's bit pattern).
    public let address: UInt
    /// The bytes that were asked for.
    public let byteCount: Int
    /// The bytes the block occupies (rounded up to the size class).
    public let blockSize: Int
}

/// The two numbers users reason about.
public struct MemoryUsage: Sendable, Codable, Equatable {
    /// Bytes held by live tensors.
    public var allocatedBytes: Int
    /// Bytes the allocator holds from the device: allocated plus cached.
    public var reservedBytes: Int

    public init(allocatedBytes: Int, reservedBytes: Int) {
        self.allocatedBytes = allocatedBytes
        self.reservedBytes = reservedBytes
    }

    /// What `emptyCache()` could give back at most.
    public var cachedBytes: Int { reservedBytes - allocatedBytes }

    enum CodingKeys: String, CodingKey {
        case allocatedBytes = "allocated_bytes"
        case reservedBytes = "reserved_bytes"
    }
}

/// What one `emptyCache()` did, with the numbers before and after as proof.
public struct EmptyCacheReport: Sendable, Codable, Equatable {
    public var device: DeviceID
    public var before: MemoryUsage
    public var after: MemoryUsage
    /// The device's own view, read just before and just after (outside the timed section).
    public var deviceBefore: DeviceMemoryInfo
    public var deviceAfter: DeviceMemoryInfo
    public var releasedBytes: Int
    public var releasedSegments: Int
    /// Time spent inside the allocator, including the backend's frees.
    public var durationNanoseconds: Int
    /// Of that, the time the backend took to return the segments to the device.
    public var backendFreeNanoseconds: Int

    public var durationMilliseconds: Double { Double(durationNanoseconds) / 1e6 }

    enum CodingKeys: String, CodingKey {
        case device, before, after
        case deviceBefore = "device_before"
        case deviceAfter = "device_after"
        case releasedBytes = "released_bytes"
        case releasedSegments = "released_segments"
        case durationNanoseconds = "duration_ns"
        case backendFreeNanoseconds = "backend_free_ns"
    }
}
