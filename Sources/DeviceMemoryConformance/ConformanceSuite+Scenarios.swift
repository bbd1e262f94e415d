import Dispatch
import DeviceMemory

private let mebibyte = 1 << 20

extension ConformanceSuite {
    /// Bytes written into live blocks of every pool are intact after `emptyCache`, and after
    /// the released memory is allocated again.
    public func dataSurvivesEmptyCache() throws {
        let allocator = try makeAllocator()
        let sizes = [700, 100_000, 1 * mebibyte, 3 * mebibyte, 9 * mebibyte, 12 * mebibyte, 25 * mebibyte]
        var live: [(DeviceAllocation, UInt8)] = []
        for (index, size) in (sizes + sizes).enumerated() {
            let allocation = try allocator.allocate(byteCount: size)
            try fill(allocation, of: allocator, with: UInt8(index + 1))
            live.append((allocation, UInt8(index + 1)))
        }
        for (allocation, _) in live[sizes.count...] { try allocator.free(allocation) }
        live.removeLast(sizes.count)
        try checkEmptyCache(allocator)
        for (allocation, value) in live { try verify(allocation, of: allocator, holds: value) }
        let again = try sizes.map { try allocator.allocate(byteCount: $0) }
        for allocation in again { try fill(allocation, of: allocator, with: 0xEE) }
        for (allocation, value) in live { try verify(allocation, of: allocator, holds: value) }
        for allocation in again + live.map(\.0) { try allocator.free(allocation) }
        try require(allocator.emptyCache().after.reservedBytes == 0, "memory remained reserved after freeing everything")
    }

    /// Enough bytes are free in total but no cached block fits: the allocator releases its
    /// cache and retries, the request succeeds, and the retry is counted.
    public func fragmentationIsRecoveredByRetry() throws {
        let allocator = try makeAllocator(limitBytes: 61 * mebibyte)
        let pieces = try (0..<3).map { _ in try allocator.allocate(byteCount: 12 * mebibyte) }
        for piece in pieces { try allocator.free(piece) }
        try require(allocator.usage() == MemoryUsage(allocatedBytes: 0, reservedBytes: 36 * mebibyte),
                    "three freed 12 MiB blocks should stay cached")
        let large = try allocator.allocate(byteCount: 40 * mebibyte)
        let stats = allocator.stats()
        try require(stats.numAllocRetries == 1, "num_alloc_retries is \(stats.numAllocRetries), expected 1")
        try require(stats.numOOMs == 0, "num_ooms is \(stats.numOOMs) after a recovered request")
        try require(stats.reservedBytes.all.current == 40 * mebibyte, "the cached segments were not released before the retry")
        try allocator.free(large)
    }

    /// A request that cannot be met fails with `.outOfMemory`, counted, recorded, and with a
    /// message that states the request, allocated, cached, device free and total, and advice —
    /// including `max_split_size_mb` when cached memory is fragmented.
    public func outOfMemoryMessageNamesEveryFigure() throws {
        let allocator = try makeAllocator(limitBytes: 41 * mebibyte)
        // Two 20 MiB segments of [9 MiB][9 MiB][2 MiB]; freeing the first block of each leaves
        // 18 MiB allocated and 22 MiB cached in pieces too small for 12 MiB.
        let blocks = try (0..<4).map { _ in try allocator.allocate(byteCount: 9 * mebibyte) }
        try allocator.free(blocks[0])
        try allocator.free(blocks[2])
        let held = [blocks[1], blocks[3]]
        do {
            _ = try allocator.allocate(byteCount: 12 * mebibyte)
            throw ConformanceViolation("a 12 MiB request succeeded on a full 41 MiB device")
        } catch let error as DeviceMemoryError {
            try require(error.code == .outOfMemory, "expected out_of_memory, got \(error.code)")
            for phrase in ["tried to allocate 12.00 MiB", "total capacity", "18.00 MiB is allocated",
                           "22.00 MiB is reserved but unallocated", "max_split_size_mb", "unload models"] {
                try require(error.message.contains(phrase), "the message lacks '\(phrase)': \(error.message)")
            }
        }
        let snapshot = allocator.snapshot()
        try require(snapshot.stats.numOOMs == 1, "num_ooms is \(snapshot.stats.numOOMs), expected 1")
        try require(snapshot.events.contains { $0.action == .oom && $0.size == 12 * mebibyte }, "no oom event was recorded")
        for allocation in held { try allocator.free(allocation) }
    }

    /// Many threads allocating and freeing at once leave a consistent allocator with nothing
    /// allocated.
    public func concurrentUse(threads: Int, iterations: Int) throws {
        let allocator = try makeAllocator(limitBytes: 1 << 30)
        let failures = FailureBox()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var generator = SplitMix64(seed: UInt64(thread + 1))
            var mine: [DeviceAllocation] = []
            for _ in 0..<iterations {
                let roll = generator.next()
                do {
                    if !mine.isEmpty, roll % 2 == 0 || mine.count >= 16 {
                        try allocator.free(mine.remove(at: Int(roll >> 8) % mine.count))
                    } else if roll % 50 == 1 {
                        _ = allocator.emptyCache()
                    } else {
                        mine.append(try allocator.allocate(byteCount: Int(roll >> 40) % (3 * mebibyte) + 1))
                    }
                } catch {
                    failures.record("thread \(thread): \(error)")
                }
            }
            for allocation in mine { try? allocator.free(allocation) }
        }
        if let failure = failures.first { throw ConformanceViolation(failure) }
        try Invariants.check(allocator, live: [])
        try require(allocator.usage().allocatedBytes == 0, "bytes stayed allocated after every thread freed its blocks")
    }
}

/// The first failure seen by any thread.
private final class FailureBox: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = DispatchSemaphore(value: 1)
    private var failure: String?

    func record(_ message: String) {
        lock.wait()
        if failure == nil { failure = message }
        lock.signal()
    }

    var first: String? {
        lock.wait()
        defer { lock.signal() }
        return failure
    }
}
