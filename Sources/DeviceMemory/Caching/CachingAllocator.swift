import Synchronization

/// A caching allocator for one device, with the rules of PyTorch's CUDA caching allocator.
///
/// Freed blocks stay cached for reuse instead of going back to the device, which makes
/// repeated inference fast; ``emptyCache()`` returns every cached segment that holds no live
/// block, and never touches live memory, so it is safe while other work runs.
///
/// Thread-safe: every operation runs under one lock (see Note [One lock, no callbacks]).
public final class CachingAllocator: Sendable {
    public let device: DeviceID
    public let deviceName: String
    /// The device memory underneath.
    public let backend: any MemoryBackend
    let state: Mutex<AllocatorState>

    /// Creates an allocator over `backend`; the configuration is validated first. `faults` fails
    /// a share of device allocations on purpose, for tests (Note [Failing on purpose]).
    public init(backend: any MemoryBackend, configuration: AllocatorConfiguration = .default,
                faults: OutOfMemoryFaults? = nil) throws(DeviceMemoryError) {
        let configuration = try configuration.validated()
        self.device = backend.device
        self.deviceName = backend.deviceName
        self.backend = backend
        self.state = Mutex(AllocatorState(backend: backend, configuration: configuration, faults: faults))
    }

    /// Allocates at least `byteCount` bytes, from the cache when a block fits.
    ///
    /// - Throws: `.outOfMemory` when the device cannot satisfy the request even after the
    ///   cache was released, with a message that says where the memory is.
    public func allocate(byteCount: Int) throws(DeviceMemoryError) -> DeviceAllocation {
        guard byteCount >= 0 else {
            throw DeviceMemoryError(.invalidConfiguration, "cannot allocate a negative byte count (\(byteCount))")
        }
        return try state.withLock { state throws(DeviceMemoryError) in try state.allocate(byteCount: byteCount) }
    }

    /// Returns an allocation to the cache.
    ///
    /// - Throws: `.unknownAddress` when the address was not allocated here or was freed already.
    public func free(_ allocation: DeviceAllocation) throws(DeviceMemoryError) {
        try free(address: allocation.address)
    }

    /// Returns the allocation at `address` to the cache.
    public func free(address: UInt) throws(DeviceMemoryError) {
        try state.withLock { state throws(DeviceMemoryError) in try state.free(address: address) }
    }

    /// Releases every cached segment that holds no live block, and reports before and after.
    public func emptyCache() -> EmptyCacheReport {
        let deviceBefore = backend.memoryInfo()
        var report = state.withLock { state in
            let start = Clocks.monotonicNanoseconds()
            let before = state.usage
            let released = state.releaseCachedBlocks()
            state.stats.numEmptyCache += 1
            state.history.record(.emptyCache, address: 0, size: released.bytes)
            return EmptyCacheReport(
                device: device, before: before, after: state.usage,
                deviceBefore: deviceBefore, deviceAfter: deviceBefore,
                releasedBytes: released.bytes, releasedSegments: released.segments,
                durationNanoseconds: Clocks.monotonicNanoseconds() - start,
                backendFreeNanoseconds: released.backendNanoseconds)
        }
        backend.releaseIdleMemory()
        report.deviceAfter = backend.memoryInfo()
        return report
    }

    /// Allocated and reserved bytes now; cheaper than `stats()`.
    public func usage() -> MemoryUsage { state.withLock { $0.usage } }

    /// The full statistics, PyTorch's `memory_stats()`.
    public func stats() -> MemoryStats { state.withLock { $0.stats } }

    /// Sets every peak to its current value.
    public func resetPeakStats() { state.withLock { $0.stats.resetPeaks() } }

    /// Zeroes cumulative totals and event counters.
    public func resetAccumulatedStats() { state.withLock { $0.stats.resetAccumulated() } }

    /// Segments, blocks, statistics and recent history.
    public func snapshot() -> MemorySnapshot {
        let device = backend.memoryInfo()
        return state.withLock { $0.snapshot(device: device) }
    }

    /// The device's free and total bytes, as the device reports them.
    public func deviceMemory() -> DeviceMemoryInfo { backend.memoryInfo() }

    /// The configuration in force.
    public var configuration: AllocatorConfiguration { state.withLock { $0.configuration } }

    /// Limits this allocator to a share of the device (PyTorch's
    /// `set_per_process_memory_fraction`). Takes effect for the next device allocation.
    public func setMemoryFraction(_ fraction: Double) throws(DeviceMemoryError) {
        var updated = configuration
        updated.memoryFraction = fraction
        let validated = try updated.validated()
        state.withLock { $0.configuration.memoryFraction = validated.memoryFraction }
    }
}

extension AllocatorState {
    var usage: MemoryUsage {
        MemoryUsage(allocatedBytes: stats.allocatedBytes.all.current, reservedBytes: stats.reservedBytes.all.current)
    }
}
