/// Everything the allocator holds at one moment: every segment with its blocks, the
/// statistics, and the recent history — enough to draw a segment map and a timeline.
public struct MemorySnapshot: Sendable, Codable, Equatable {
    public var device: DeviceID
    public var deviceName: String
    public var timeMicroseconds: Int
    public var configuration: AllocatorConfiguration
    public var stats: MemoryStats
    public var deviceMemory: DeviceMemoryInfo
    /// Ordered by address.
    public var segments: [SegmentSnapshot]
    /// Oldest first.
    public var events: [MemoryEvent]

    enum CodingKeys: String, CodingKey {
        case device
        case deviceName = "device_name"
        case timeMicroseconds = "time_us"
        case configuration, stats
        case deviceMemory = "device_memory"
        case segments, events
    }
}

/// One segment: a region obtained from the device in one call.
public struct SegmentSnapshot: Sendable, Codable, Equatable {
    public var address: UInt
    public var totalSize: Int
    /// Bytes in allocated blocks.
    public var allocatedSize: Int
    /// Bytes callers asked for in those blocks.
    public var requestedSize: Int
    public var pool: PoolKind
    /// Ordered by address, covering the segment without gaps.
    public var blocks: [BlockSnapshot]

    enum CodingKeys: String, CodingKey {
        case address
        case totalSize = "total_size"
        case allocatedSize = "allocated_size"
        case requestedSize = "requested_size"
        case pool = "segment_type"
        case blocks
    }
}

/// One block of a segment.
public struct BlockSnapshot: Sendable, Codable, Equatable {
    /// PyTorch's names: a live block is `active_allocated`, a cached one `inactive`.
    public enum State: String, Sendable, Codable {
        case activeAllocated = "active_allocated"
        case inactive
    }

    public var address: UInt
    /// Bytes from the start of the segment.
    public var offset: Int
    public var size: Int
    public var requestedSize: Int
    public var state: State

    enum CodingKeys: String, CodingKey {
        case address, offset, size, state
        case requestedSize = "requested_size"
    }
}

extension AllocatorState {
    func snapshot(device: DeviceMemoryInfo) -> MemorySnapshot {
        var result: [SegmentSnapshot] = []
        for case let segment? in segments.storage {
            var blockSnapshots: [BlockSnapshot] = []
            var allocated = 0, requested = 0
            var index = segment.firstBlock
            while index != Block.none {
                let block = blocks[index]
                blockSnapshots.append(BlockSnapshot(
                    address: block.address, offset: Int(block.address - segment.address), size: block.size,
                    requestedSize: block.requestedSize, state: block.isAllocated ? .activeAllocated : .inactive))
                if block.isAllocated {
                    allocated += block.size
                    requested += block.requestedSize
                }
                index = block.next
            }
            result.append(SegmentSnapshot(
                address: segment.address, totalSize: segment.size, allocatedSize: allocated,
                requestedSize: requested, pool: segment.pool, blocks: blockSnapshots))
        }
        result.sort { $0.address < $1.address }
        return MemorySnapshot(
            device: backend.device, deviceName: backend.deviceName,
            timeMicroseconds: Clocks.wallClockMicroseconds(), configuration: configuration,
            stats: stats, deviceMemory: device, segments: result, events: history.events)
    }
}
