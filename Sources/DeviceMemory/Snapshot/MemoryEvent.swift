/// One entry of the allocator's history, as shown on a memory timeline.
public struct MemoryEvent: Sendable, Codable, Equatable {
    public enum Action: String, Sendable, Codable {
        case alloc
        case free
        case segmentAlloc = "segment_alloc"
        case segmentFree = "segment_free"
        case oom
        case emptyCache = "empty_cache"
    }

    public var action: Action
    /// The block or segment address; 0 for OOM and empty-cache events.
    public var address: UInt
    /// Bytes: the block or segment size, the failed request for OOM, the bytes released for
    /// an empty-cache.
    public var size: Int
    /// Microseconds since 1970.
    public var timeMicroseconds: Int

    enum CodingKeys: String, CodingKey {
        case action, address, size
        case timeMicroseconds = "time_us"
    }
}

/// A fixed-capacity ring of the most recent events; the oldest are overwritten.
struct EventHistory {
    let capacity: Int
    private var storage: ContiguousArray<MemoryEvent> = []
    private var nextSlot = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage.reserveCapacity(min(capacity, 1 << 16))
    }

    @inline(__always)
    mutating func record(_ action: MemoryEvent.Action, address: UInt, size: Int) {
        guard capacity > 0 else { return }
        let event = MemoryEvent(action: action, address: address, size: size,
                                timeMicroseconds: Clocks.wallClockMicroseconds())
        if storage.count < capacity {
            storage.append(event)
        } else {
            storage[nextSlot] = event
        }
        nextSlot += 1
        if nextSlot == capacity { nextSlot = 0 }
    }

    /// Oldest first.
    var events: [MemoryEvent] {
        guard storage.count == capacity, nextSlot > 0 else { return Array(storage) }
        return Array(storage[nextSlot...] + storage[..<nextSlot])
    }
}
