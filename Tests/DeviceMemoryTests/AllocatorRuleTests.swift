@testable import DeviceMemory
import Testing

private let mebibyte = 1 << 20

/// The PyTorch rules, each pinned by a case small enough to reason about by hand.
@Suite("Allocator rules")
struct AllocatorRuleTests {
    func makeAllocator(_ configuration: AllocatorConfiguration = .default, capacity: Int? = nil) throws -> (CachingAllocator, HostMemory) {
        let backend = HostMemory(capacityBytes: capacity)
        return (try CachingAllocator(backend: backend, configuration: configuration), backend)
    }

    @Test func sizeClasses() {
        #expect(SizeClass.blockSize(forRequest: 0) == 512)
        #expect(SizeClass.blockSize(forRequest: 513) == 1024)
        #expect(SizeClass.pool(forBlockSize: mebibyte) == .small)
        #expect(SizeClass.pool(forBlockSize: mebibyte + 512) == .large)
        #expect(SizeClass.segmentSize(forBlockSize: 4096) == 2 * mebibyte)
        #expect(SizeClass.segmentSize(forBlockSize: 5 * mebibyte) == 20 * mebibyte)
        #expect(SizeClass.segmentSize(forBlockSize: 10 * mebibyte + 512) == 12 * mebibyte)
    }

    @Test func smallRequestsShareOneSegment() throws {
        let (allocator, backend) = try makeAllocator()
        let blocks = try (0..<8).map { _ in try allocator.allocate(byteCount: 1000) }
        #expect(allocator.stats().segment.smallPool.current == 1)
        #expect(backend.bytesHeld == 2 * mebibyte)
        #expect(Set(blocks.map(\.address)).count == 8)
        #expect(blocks.allSatisfy { $0.blockSize == 1024 })
    }

    @Test func freedBlockIsReusedBestFitAndCoalesced() throws {
        let (allocator, _) = try makeAllocator()
        let a = try allocator.allocate(byteCount: 4 * mebibyte)
        let b = try allocator.allocate(byteCount: 2 * mebibyte)
        try allocator.free(a)
        // The 4 MiB hole is the best fit for 3 MiB, ahead of the 14 MiB tail of the segment.
        let c = try allocator.allocate(byteCount: 3 * mebibyte)
        #expect(c.address == a.address)
        try allocator.free(c)
        try allocator.free(b)
        let segments = allocator.snapshot().segments
        #expect(segments.count == 1 && segments[0].blocks.count == 1, "freed neighbours must merge back into one block")
        #expect(allocator.stats().inactiveSplit.all.current == 0)
    }

    @Test func maxSplitSizeKeepsSmallRequestsOutOfOversizeBlocks() throws {
        let (allocator, _) = try makeAllocator(AllocatorConfiguration(maxSplitSize: 32 * mebibyte))
        let big = try allocator.allocate(byteCount: 40 * mebibyte)
        #expect(allocator.stats().oversizeAllocations.current == 1)
        try allocator.free(big)
        let small = try allocator.allocate(byteCount: 12 * mebibyte)
        #expect(small.address != big.address, "a 12 MiB request must not split a cached 40 MiB oversize block")
        // An oversize request reuses an oversize block only if it wastes less than 20 MiB.
        let other = try allocator.allocate(byteCount: 36 * mebibyte)
        #expect(other.address == big.address)
        let oversizeSegments = allocator.stats().oversizeSegments.current
        #expect(oversizeSegments == 1)
    }

    @Test func oversizeCachedBlocksAreReleasedBeforeFailing() throws {
        let (allocator, _) = try makeAllocator(AllocatorConfiguration(maxSplitSize: 32 * mebibyte), capacity: 100 * mebibyte)
        try allocator.free(try allocator.allocate(byteCount: 80 * mebibyte))
        // 80 MiB cached and oversize; a 30 MiB request may not use it and the device has 20 MiB left.
        let request = try allocator.allocate(byteCount: 30 * mebibyte)
        #expect(allocator.usage() == MemoryUsage(allocatedBytes: 30 * mebibyte, reservedBytes: 30 * mebibyte))
        #expect(allocator.stats().numAllocRetries == 0, "releasing oversize blocks is not a full retry")
        try allocator.free(request)
    }

    @Test func memoryFractionLimitsReservation() throws {
        let (allocator, _) = try makeAllocator(AllocatorConfiguration(memoryFraction: 0.25), capacity: 100 * mebibyte)
        _ = try allocator.allocate(byteCount: 20 * mebibyte)
        let error = try #require(throws: DeviceMemoryError.self) { try allocator.allocate(byteCount: 10 * mebibyte) }
        #expect(error.code == .outOfMemory)
        #expect(error.message.contains("memory_fraction 0.25"))
    }

    @Test func garbageCollectionReleasesOldCachedBlocksFirst() throws {
        let configuration = AllocatorConfiguration(garbageCollectionThreshold: 0.5)
        let (allocator, _) = try makeAllocator(configuration, capacity: 100 * mebibyte)
        let old = try allocator.allocate(byteCount: 30 * mebibyte)
        let churn = try allocator.allocate(byteCount: 12 * mebibyte)
        let young = try allocator.allocate(byteCount: 14 * mebibyte)
        try allocator.free(old)
        try allocator.free(churn)
        // Age the old block: each search that reuses the 12 MiB block instead makes it older.
        for _ in 0..<5 { try allocator.free(try allocator.allocate(byteCount: 12 * mebibyte)) }
        try allocator.free(young)
        // Reserved 30 + 14 + 12 = 56 MiB > 50 MiB threshold; a 40 MiB request fits no block.
        let request = try allocator.allocate(byteCount: 40 * mebibyte)
        let stats = allocator.stats()
        #expect(stats.numGarbageCollections == 1)
        #expect(stats.numAllocRetries == 0, "garbage collection must make room before a full retry is needed")
        let cachedSizes = allocator.snapshot().segments.filter { $0.allocatedSize == 0 }.map(\.totalSize)
        #expect(!cachedSizes.contains(30 * mebibyte), "the oldest cached block goes first")
        try allocator.free(request)
    }

    @Test func doubleFreeAndForeignAddressesAreRejected() throws {
        let (allocator, _) = try makeAllocator()
        let block = try allocator.allocate(byteCount: 100)
        try allocator.free(block)
        let error = try #require(throws: DeviceMemoryError.self) { try allocator.free(block) }
        #expect(error.code == .unknownAddress)
        #expect(throws: DeviceMemoryError.self) { try allocator.free(address: 12345) }
        #expect(allocator.usage().allocatedBytes == 0)
    }

    @Test func peaksAndTotalsReset() throws {
        let (allocator, _) = try makeAllocator()
        try allocator.free(try allocator.allocate(byteCount: 5 * mebibyte))
        #expect(allocator.stats().allocatedBytes.all.peak == 5 * mebibyte)
        allocator.resetPeakStats()
        #expect(allocator.stats().allocatedBytes.all.peak == 0)
        #expect(allocator.stats().reservedBytes.all.peak == 20 * mebibyte, "reserved stays, so its peak resets to it")
        allocator.resetAccumulatedStats()
        let stats = allocator.stats()
        #expect(stats.allocatedBytes.all.allocated == 0 && stats.numDeviceAlloc == 0)
    }

    @Test func hostCapIsExact() throws {
        let backend = HostMemory(capacityBytes: 4 * mebibyte)
        #expect(try backend.allocate(byteCount: 3 * mebibyte) != nil)
        #expect(try backend.allocate(byteCount: 2 * mebibyte) == nil)
        #expect(backend.memoryInfo() == DeviceMemoryInfo(freeBytes: mebibyte, totalBytes: 4 * mebibyte))
    }
}
