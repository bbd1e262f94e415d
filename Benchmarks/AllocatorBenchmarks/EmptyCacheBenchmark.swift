import DeviceMemory

/// `emptyCache()` with 1,000 cached segments: the allocator's own time, and beside it the time
/// the backend took to return the memory (for the host: the C library's free / munmap).
enum EmptyCacheBenchmark {
    static let segments = 1_000

    static func run() throws {
        print("emptyCache with \(segments) cached 2 MiB segments (median of 15; target ≤ 1 ms excluding the backend)")
        var totals: [Double] = [], backends: [Double] = []
        for _ in 0..<16 {
            let allocator = try CachingAllocator(backend: HostMemory())
            // Two 1 MiB blocks fill each 2 MiB small-pool segment; freeing both coalesces it.
            let blocks = try (0..<(2 * segments)).map { _ in try allocator.allocate(byteCount: 1 << 20) }
            for block in blocks { try allocator.free(block) }
            let report = allocator.emptyCache()
            precondition(report.releasedSegments == segments, "expected \(segments) segments, released \(report.releasedSegments)")
            totals.append(Double(report.durationNanoseconds) / 1e6)
            backends.append(Double(report.backendFreeNanoseconds) / 1e6)
        }
        // The first run warms up; median of the rest.
        let own = zip(totals, backends).dropFirst().map { $0 - $1 }.sorted()
        let backend = backends.dropFirst().sorted()
        let total = totals.dropFirst().sorted()
        print("  allocator's own time  \(format(own[own.count / 2], decimals: 3)) ms")
        print("  backend free time     \(format(backend[backend.count / 2], decimals: 3)) ms")
        print("  total                 \(format(total[total.count / 2], decimals: 3)) ms")
        print("")
    }
}
