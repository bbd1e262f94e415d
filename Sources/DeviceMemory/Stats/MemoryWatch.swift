/// The memory one piece of work used on a device: what was allocated and reserved when it
/// started and ended, and the highest marks in between.
///
/// Note [Watching a job, not the device]: the device's peaks (`allocated_bytes.all.peak`) belong
/// to the operator, who resets them when they like; a job cannot reset them to measure itself.
/// A watch keeps its own peaks, raised by every allocation while it is open, so any number of
/// jobs and tools can measure at once and none disturbs the others. What the job used is the
/// peak above the start: the start already counts the resident weights.
public struct WatchedMemory: Sendable, Codable, Equatable {
    public var startAllocatedBytes: Int
    public var startReservedBytes: Int
    public var peakAllocatedBytes: Int
    public var peakReservedBytes: Int
    public var endAllocatedBytes: Int
    public var endReservedBytes: Int

    public init(startAllocatedBytes: Int, startReservedBytes: Int) {
        self.startAllocatedBytes = startAllocatedBytes
        self.startReservedBytes = startReservedBytes
        peakAllocatedBytes = startAllocatedBytes
        peakReservedBytes = startReservedBytes
        endAllocatedBytes = startAllocatedBytes
        endReservedBytes = startReservedBytes
    }

    /// The most the work held at once beyond what was allocated when it started.
    public var peakAllocatedAboveStart: Int { peakAllocatedBytes - startAllocatedBytes }
    /// How far the reserved bytes rose above their level at the start, at the most.
    public var peakReservedAboveStart: Int { peakReservedBytes - startReservedBytes }
    /// The reserved bytes the work left cached on the device: its share of the cache's growth
    /// (0 when a clear during the work gave back more than it added).
    public var cacheGrowthBytes: Int { max(0, endReservedBytes - startReservedBytes) }

    mutating func observe(allocated: Int, reserved: Int) {
        if allocated > peakAllocatedBytes { peakAllocatedBytes = allocated }
        if reserved > peakReservedBytes { peakReservedBytes = reserved }
    }
}

/// An open watch on one allocator; end it with `CachingAllocator.endWatch(_:)`.
public struct MemoryWatch: Sendable, Hashable {
    let id: Int
}

extension CachingAllocator {
    /// Starts measuring the memory used from now on (Note [Watching a job, not the device]).
    public func startWatch() -> MemoryWatch {
        state.withLock { state in
            state.nextWatchID += 1
            state.watches[state.nextWatchID] = WatchedMemory(startAllocatedBytes: state.usage.allocatedBytes,
                                                            startReservedBytes: state.usage.reservedBytes)
            return MemoryWatch(id: state.nextWatchID)
        }
    }

    /// Ends a watch and returns what it saw; nil when it was ended already.
    public func endWatch(_ watch: MemoryWatch) -> WatchedMemory? {
        state.withLock { state in
            guard var watched = state.watches.removeValue(forKey: watch.id) else { return nil }
            watched.endAllocatedBytes = state.usage.allocatedBytes
            watched.endReservedBytes = state.usage.reservedBytes
            return watched
        }
    }
}

extension AllocatorState {
    /// Raises the open watches' peaks to the usage now; called after every allocation.
    @inline(__always)
    mutating func updateWatches() {
        guard !watches.isEmpty else { return }
        let allocated = stats.allocatedBytes.all.current, reserved = stats.reservedBytes.all.current
        for id in watches.keys { watches[id]!.observe(allocated: allocated, reserved: reserved) }
    }
}
