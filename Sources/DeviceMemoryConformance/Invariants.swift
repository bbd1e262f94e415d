import DeviceMemory

/// The promises every allocator state must keep, checked from the outside (snapshot and
/// statistics only), so that the same checks apply to any backend.
public enum Invariants {
    /// Checks the allocator's whole state; `live` are the allocations the caller holds.
    public static func check(_ allocator: CachingAllocator, live: [DeviceAllocation]) throws(ConformanceViolation) {
        let snapshot = allocator.snapshot()
        try checkLayout(snapshot)
        try checkStatistics(snapshot)
        let active = snapshot.segments.flatMap(\.blocks).filter { $0.state == .activeAllocated }
        try require(Set(active.map(\.address)) == Set(live.map(\.address)),
                    "live blocks \(active.count) differ from the \(live.count) allocations held by the caller")
        for allocation in live {
            try require(allocation.blockSize >= allocation.byteCount && allocation.blockSize % 512 == 0,
                        "allocation of \(allocation.byteCount) B got a block of \(allocation.blockSize) B")
        }
    }

    /// Segments do not overlap; blocks tile each segment exactly; no two free blocks touch.
    static func checkLayout(_ snapshot: MemorySnapshot) throws(ConformanceViolation) {
        var previousEnd: UInt = 0
        for segment in snapshot.segments {
            try require(segment.address >= previousEnd, "segment at 0x\(String(segment.address, radix: 16)) overlaps the one before")
            previousEnd = segment.address + UInt(segment.totalSize)
            var offset = 0
            var previousFree = false
            for block in segment.blocks {
                try require(block.offset == offset && block.address == segment.address + UInt(offset),
                            "blocks of segment 0x\(String(segment.address, radix: 16)) leave a gap or overlap at offset \(offset)")
                try require(block.size > 0 && block.size % 512 == 0, "block of \(block.size) B is not a positive multiple of 512")
                let isFree = block.state == .inactive
                try require(!(isFree && previousFree), "two adjacent free blocks were not coalesced at offset \(offset)")
                previousFree = isFree
                offset += block.size
            }
            try require(offset == segment.totalSize, "blocks cover \(offset) of a \(segment.totalSize)-byte segment")
        }
    }

    /// Every statistic equals the sum over the blocks it describes.
    static func checkStatistics(_ snapshot: MemorySnapshot) throws(ConformanceViolation) {
        let stats = snapshot.stats
        for pool in PoolKind.allCases {
            let segments = snapshot.segments.filter { $0.pool == pool }
            let blocks = segments.flatMap(\.blocks)
            let active = blocks.filter { $0.state == .activeAllocated }
            let inactiveSplit = segments.filter { $0.blocks.count > 1 }.flatMap(\.blocks).filter { $0.state == .inactive }
            let expected: [(String, Int, Int)] = [
                ("segment", stats.segment[pool].current, segments.count),
                ("reserved_bytes", stats.reservedBytes[pool].current, segments.reduce(0) { $0 + $1.totalSize }),
                ("allocation", stats.allocation[pool].current, active.count),
                ("allocated_bytes", stats.allocatedBytes[pool].current, active.reduce(0) { $0 + $1.size }),
                ("active_bytes", stats.activeBytes[pool].current, active.reduce(0) { $0 + $1.size }),
                ("requested_bytes", stats.requestedBytes[pool].current, active.reduce(0) { $0 + $1.requestedSize }),
                ("inactive_split", stats.inactiveSplit[pool].current, inactiveSplit.count),
                ("inactive_split_bytes", stats.inactiveSplitBytes[pool].current, inactiveSplit.reduce(0) { $0 + $1.size }),
            ]
            for (name, reported, summed) in expected {
                try require(reported == summed, "\(name).\(pool)_pool.current is \(reported) but the blocks sum to \(summed)")
            }
        }
        let allocated = stats.allocatedBytes.all.current, reserved = stats.reservedBytes.all.current
        try require(allocated <= reserved, "allocated \(allocated) exceeds reserved \(reserved)")
        try require(stats.allocatedBytes.all.peak >= allocated && stats.reservedBytes.all.peak >= reserved,
                    "a peak is below its current value")
        try require(stats.allocatedBytes.all.current == stats.allocatedBytes.smallPool.current + stats.allocatedBytes.largePool.current,
                    "allocated_bytes.all differs from the sum of its pools")
    }
}
