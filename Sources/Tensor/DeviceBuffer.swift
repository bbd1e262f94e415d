import DeviceMemory

/// A block of device memory owned by one or more tensors; returns to its allocator's cache
/// when the last tensor using it goes away.
///
/// Note [Every byte through the allocator]: weights, activations, key/value caches and feature
/// buffers are all `DeviceBuffer`s, so the allocator's "allocated" is exactly what the engine
/// holds and "reserved" is exactly what it could give back.
public final class DeviceBuffer: @unchecked Sendable {
    // @unchecked: the allocation is immutable; the bytes behind it are synchronised by the
    // engine's rule that one job uses a buffer at a time.
    public let allocation: DeviceAllocation
    public let allocator: CachingAllocator

    public init(allocator: CachingAllocator, byteCount: Int) throws(DeviceMemoryError) {
        self.allocator = allocator
        self.allocation = try allocator.allocate(byteCount: byteCount)
    }

    deinit {
        // The address came from this allocator and is freed exactly once, here.
        try? allocator.free(allocation)
    }

    public var address: UInt { allocation.address }
    public var byteCount: Int { allocation.byteCount }
}
