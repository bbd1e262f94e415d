import DeviceMemory

extension ConformanceSuite {
    /// Runs `operations` on a fresh allocator and checks every invariant after each step:
    /// no overlap, allocated ≤ reserved, statistics equal to the sums over blocks, complete
    /// coalescing, `emptyCache` releasing exactly the free segments, live data intact, and —
    /// after an out-of-memory — nothing releasable left in the cache. Ends by freeing
    /// everything and checking that the device gets every byte back.
    public func replay(_ operations: [AllocatorOperation], configuration: AllocatorConfiguration = .default,
                       limitBytes: Int? = 256 << 20) throws {
        let allocator = try makeAllocator(configuration: configuration, limitBytes: limitBytes)
        var live: [(allocation: DeviceAllocation, value: UInt8)] = []
        var nextValue: UInt8 = 0
        for (step, operation) in operations.enumerated() {
            do {
                switch operation {
                case .allocate(let byteCount):
                    do {
                        let allocation = try allocator.allocate(byteCount: byteCount)
                        nextValue &+= 1
                        try fill(allocation, of: allocator, with: nextValue)
                        live.append((allocation, nextValue))
                    } catch let error as DeviceMemoryError where error.code == .outOfMemory {
                        try require(!allocator.snapshot().segments.contains(where: \.isWhollyFree),
                                    "out of memory reported while a free segment was still cached")
                    }
                case .free(let slot):
                    guard !live.isEmpty else { break }
                    let (allocation, value) = live.remove(at: slot % live.count)
                    try verify(allocation, of: allocator, holds: value)
                    try allocator.free(allocation)
                case .emptyCache:
                    try checkEmptyCache(allocator)
                }
                try Invariants.check(allocator, live: live.map(\.allocation))
            } catch let violation as ConformanceViolation {
                throw ConformanceViolation("step \(step) (\(operation)) of \(operations.count): \(violation.message)")
            }
        }
        for (allocation, value) in live {
            try verify(allocation, of: allocator, holds: value)
            try allocator.free(allocation)
        }
        let report = allocator.emptyCache()
        try require(report.after == MemoryUsage(allocatedBytes: 0, reservedBytes: 0),
                    "after freeing everything and emptying the cache, \(report.after) remain")
    }

    /// A reproducible random sequence, for runners without a property-testing library.
    public func replayRandom(seed: UInt64, count: Int, configuration: AllocatorConfiguration = .default) throws {
        var generator = SplitMix64(seed: seed)
        let operations = (0..<count).map { _ in AllocatorOperation(code: Int(generator.next() >> 1)) }
        try replay(operations, configuration: configuration)
    }

    /// `emptyCache` releases exactly the segments with no live block, reports honestly, and
    /// leaves every other segment byte for byte as it was.
    func checkEmptyCache(_ allocator: CachingAllocator) throws {
        let before = allocator.snapshot()
        let report = allocator.emptyCache()
        let after = allocator.snapshot()
        let released = before.segments.filter(\.isWhollyFree)
        try require(after.segments == before.segments.filter { !$0.isWhollyFree },
                    "emptyCache changed a segment that holds a live block, or kept a free one")
        try require(report.releasedSegments == released.count && report.releasedBytes == released.reduce(0) { $0 + $1.totalSize },
                    "emptyCache reported \(report.releasedSegments) segments / \(report.releasedBytes) B, expected \(released.count)")
        try require(report.before.reservedBytes == before.stats.reservedBytes.all.current
                    && report.after.reservedBytes == after.stats.reservedBytes.all.current
                    && report.after.allocatedBytes == report.before.allocatedBytes,
                    "emptyCache's before/after figures do not match the allocator's statistics")
    }
}

extension SegmentSnapshot {
    /// A segment whose only block is free: exactly what `emptyCache` gives back.
    var isWhollyFree: Bool { blocks.count == 1 && blocks[0].state == .inactive }
}

/// A tiny, well-known seeded generator, so sequences replay identically everywhere.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
