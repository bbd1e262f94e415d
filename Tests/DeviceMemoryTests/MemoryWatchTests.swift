import DeviceMemory
import Testing

/// A watch charges to one piece of work what it used, without touching the device's own peaks.
@Suite("Memory watches")
struct MemoryWatchTests {
    @Test func aWatchSeesThePeakAboveItsStart() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        let weights = try allocator.allocate(byteCount: 30 << 20)
        let watch = allocator.startWatch()
        let first = try allocator.allocate(byteCount: 8 << 20)
        let second = try allocator.allocate(byteCount: 4 << 20)
        try allocator.free(first)
        try allocator.free(second)
        let third = try allocator.allocate(byteCount: 2 << 20)   // from the cache: reserved stays
        try allocator.free(third)
        let watched = try #require(allocator.endWatch(watch))
        #expect(watched.peakAllocatedAboveStart == 12 << 20)
        // Requests under 10 MiB share 20 MiB segments, as in PyTorch: one segment served both.
        #expect(watched.peakReservedAboveStart == 20 << 20)
        #expect(watched.cacheGrowthBytes == 20 << 20, "the segment stays cached")
        #expect(watched.endAllocatedBytes == 30 << 20)
        #expect(allocator.endWatch(watch) == nil, "a watch ends once")
        try allocator.free(weights)
    }

    @Test func workOnAWarmCacheGrowsNothing() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        for round in 0..<2 {
            let watch = allocator.startWatch()
            let block = try allocator.allocate(byteCount: 16 << 20)
            try allocator.free(block)
            let watched = try #require(allocator.endWatch(watch))
            #expect(watched.peakAllocatedAboveStart == 16 << 20)
            #expect(watched.cacheGrowthBytes == (round == 0 ? 16 << 20 : 0), "round \(round)")
        }
        // A clear during the work gives back more than the work added: growth is 0, not negative.
        let watch = allocator.startWatch()
        _ = allocator.emptyCache()
        #expect(try #require(allocator.endWatch(watch)).cacheGrowthBytes == 0)
    }

    @Test func watchesOverlapAndLeaveTheDevicePeaksAlone() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        let big = try allocator.allocate(byteCount: 40 << 20)
        try allocator.free(big)
        let outer = allocator.startWatch()
        let a = try allocator.allocate(byteCount: 6 << 20)
        let inner = allocator.startWatch()
        let b = try allocator.allocate(byteCount: 3 << 20)
        try allocator.free(b)
        let innerSaw = try #require(allocator.endWatch(inner))
        try allocator.free(a)
        let outerSaw = try #require(allocator.endWatch(outer))
        #expect(innerSaw.peakAllocatedAboveStart == 3 << 20)
        #expect(outerSaw.peakAllocatedAboveStart == 9 << 20)
        #expect(outerSaw.peakReservedAboveStart == 0, "served from the cached 40 MiB segment")
        #expect(allocator.stats().allocatedBytes.all.peak == 40 << 20, "the device's peak is the operator's, untouched")
    }
}
