import DeviceMemory
import Foundation
import Testing

/// What users and dashboards read: configuration strings, statistics names, snapshots, reports.
@Suite("Reporting and configuration")
struct ReportingTests {
    @Test func parsesAllocConf() throws {
        let configuration = try AllocatorConfiguration(parsing: "max_split_size_mb:128, garbage_collection_threshold:0.8")
        #expect(configuration.maxSplitSize == 128 << 20)
        #expect(configuration.garbageCollectionThreshold == 0.8)
        #expect(try AllocatorConfiguration.fromEnvironment([:]) == .default)
    }

    @Test(arguments: [
        ("max_split_size_mb:abc", "whole number"),
        ("max_split_size_mb:10", "larger than 20 MiB"),
        ("garbage_collection_threshold:1.5", "between 0 and 1"),
        ("memory_fraction:0", "greater than 0"),
        ("expandable_segments:True", "unknown key 'expandable_segments'"),
        ("max_split_size_mb", "expected key:value"),
    ])
    func rejectsBadAllocConf(text: String, phrase: String) {
        let error = #expect(throws: DeviceMemoryError.self) {
            try AllocatorConfiguration.fromEnvironment(["AURIS_ALLOC_CONF": text])
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains(phrase) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("AURIS_ALLOC_CONF=") == true)
    }

    @Test func statisticsUsePyTorchNames() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        let block = try allocator.allocate(byteCount: 1000)
        let flat = allocator.stats().flattened()
        #expect(flat["allocated_bytes.all.current"] == 1024)
        #expect(flat["requested_bytes.small_pool.current"] == 1000)
        #expect(flat["reserved_bytes.small_pool.peak"] == 2 << 20)
        #expect(flat["inactive_split.small_pool.current"] == 1)
        for key in ["num_alloc_retries", "num_ooms", "num_device_alloc", "num_device_free", "segment.large_pool.freed"] {
            #expect(flat[key] != nil, "missing \(key)")
        }
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(allocator.stats())) as? [String: Any]
        let allocated = (json?["allocated_bytes"] as? [String: Any])?["all"] as? [String: Int]
        #expect(allocated?["current"] == 1024)
        try allocator.free(block)
    }

    @Test func snapshotShowsSegmentsBlocksAndEvents() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        let a = try allocator.allocate(byteCount: 3000)
        let b = try allocator.allocate(byteCount: 5000)
        try allocator.free(a)
        let snapshot = allocator.snapshot()
        let segment = try #require(snapshot.segments.first)
        #expect(segment.blocks.map(\.state) == [.inactive, .activeAllocated, .inactive])
        #expect(segment.blocks.map(\.offset) == [0, 3072, 3072 + 5120])
        #expect(segment.blocks[1].requestedSize == 5000)
        #expect(snapshot.events.map(\.action) == [.segmentAlloc, .alloc, .alloc, .free])
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        for key in ["\"segment_type\":\"small\"", "\"state\":\"active_allocated\"", "\"time_us\"", "\"total_size\""] {
            #expect(json.contains(key), "snapshot JSON lacks \(key)")
        }
        try allocator.free(b)
    }

    @Test func historyIsBoundedAndKeepsTheNewest() throws {
        let allocator = try CachingAllocator(backend: HostMemory(), configuration: AllocatorConfiguration(historyCapacity: 5))
        for size in 1...10 { try allocator.free(try allocator.allocate(byteCount: size * 1024)) }
        let events = allocator.snapshot().events
        #expect(events.count == 5)
        #expect(events.last?.action == .free && events.last?.size == 10 * 1024)
        #expect(events.map(\.timeMicroseconds) == events.map(\.timeMicroseconds).sorted())
    }

    @Test func emptyCacheReportIsProof() throws {
        let backend = HostMemory()
        let allocator = try CachingAllocator(backend: backend)
        let kept = try allocator.allocate(byteCount: 12 << 20)
        try allocator.free(try allocator.allocate(byteCount: 30 << 20))
        let report = allocator.emptyCache()
        #expect(report.before == MemoryUsage(allocatedBytes: 12 << 20, reservedBytes: 42 << 20))
        #expect(report.after == MemoryUsage(allocatedBytes: 12 << 20, reservedBytes: 12 << 20))
        #expect(report.releasedBytes == 30 << 20 && report.releasedSegments == 1)
        #expect(report.backendFreeNanoseconds <= report.durationNanoseconds)
        #expect(backend.bytesHeld == 12 << 20)
        #expect(allocator.stats().numEmptyCache == 1)
        try allocator.free(kept)
    }

    @Test func theClearPreviewSaysWhatTheClearWillRelease() throws {
        let allocator = try CachingAllocator(backend: HostMemory())
        let kept = try allocator.allocate(byteCount: 512 << 10)
        try allocator.free(try allocator.allocate(byteCount: 512 << 10))
        try allocator.free(try allocator.allocate(byteCount: 30 << 20))
        let preview = ClearPreview(snapshot: allocator.snapshot())
        #expect(preview.releasableSegments == 1 && preview.releasableBytes == 30 << 20, "the whole free 30 MiB segment")
        #expect(preview.fragmentedBytes == (2 << 20) - (512 << 10), "the small segment's free part stays: \(preview)")
        let report = allocator.emptyCache()
        #expect(report.releasedBytes == preview.releasableBytes && report.releasedSegments == preview.releasableSegments)
        #expect(ClearPreview(snapshot: allocator.snapshot()).releasableBytes == 0, "nothing left to release")
        try allocator.free(kept)
    }

    @Test func devicesParse() throws {
        #expect(try DeviceID(parsing: "cuda:1") == .cuda(1))
        #expect(try DeviceID(parsing: "CPU") == .cpu)
        #expect(throws: DeviceMemoryError.self) { try DeviceID(parsing: "gpu0") }
        #expect(ByteCount(3 << 20).description == "3.00 MiB")
        #expect(ByteCount(1536).description == "1.50 KiB")
    }
}
