import DeviceMemory
#if canImport(Glibc)
import Glibc
#endif

/// Median time of one cached allocate+free pair, against the C library's malloc+free of the
/// same size measured in the same run (the peer: what a runtime without a cache pays).
enum AllocateFreeBenchmark {
    static let pairsPerSample = 200_000

    static func run() throws {
        print("Cached allocate+free pair (median of 15 samples of \(pairsPerSample) pairs; target ≤ 150 ns for the cached pair)")
        let widths = [34, 12, 14, 8]
        print(row(["case", "auris ns", "malloc ns", "ratio"], widths: widths))
        for (label, size, history) in [
            ("4 KiB, history on", 4096, 10_000), ("4 KiB, history off", 4096, 0),
            ("12 MiB, history on", 12 << 20, 10_000),
        ] {
            let allocator = try CachingAllocator(backend: HostMemory(), configuration: AllocatorConfiguration(historyCapacity: history))
            let ours = try median { try cachedPair(allocator, size: size) }
            let peer = median { mallocPair(size: size) }
            print(row([label, format(ours), format(peer), format(ours / peer, decimals: 2)], widths: widths))
        }
        print("")
    }

    static func cachedPair(_ allocator: CachingAllocator, size: Int) throws -> Double {
        let start = now()
        for _ in 0..<pairsPerSample {
            try allocator.free(try allocator.allocate(byteCount: size))
        }
        return Double(now() - start) / Double(pairsPerSample)
    }

    static func mallocPair(size: Int) -> Double {
        let count = size > (1 << 20) ? pairsPerSample / 20 : pairsPerSample
        let start = now()
        for _ in 0..<count {
            let pointer = malloc(size)
            // Publish the address so the pair cannot be optimised away.
            addressSink &+= UInt(bitPattern: pointer)
            free(pointer)
        }
        return Double(now() - start) / Double(count)
    }
}

/// Written by the malloc loop so the compiler must keep every malloc and free.
nonisolated(unsafe) var addressSink: UInt = 0
