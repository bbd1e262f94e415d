import DeviceMemory

/// The allocator's behaviour, checked the same way over any backend: host, capped host, CUDA.
///
/// Each check builds a fresh allocator over a fresh backend, so checks are independent. Memory
/// limits are imposed through the allocator's memory fraction, which works on every device, so
/// a check that needs "a 61 MiB device" runs unchanged on a laptop and on an H200.
public struct ConformanceSuite: Sendable {
    public let name: String
    let makeBackend: @Sendable () throws -> any MemoryBackend

    /// - Parameter makeBackend: a fresh backend for each check. When it is
    ///   ``HostAccessibleMemory``, the checks also prove that live blocks keep their bytes.
    public init(name: String, makeBackend: @escaping @Sendable () throws -> any MemoryBackend) {
        self.name = name
        self.makeBackend = makeBackend
    }

    /// Every check, by name, for runners outside a test framework.
    public var checks: [(name: String, run: @Sendable () throws -> Void)] {
        [
            ("random sequences keep every invariant", { try replayRandom(seed: 1, count: 400) }),
            ("live data survives emptyCache", dataSurvivesEmptyCache),
            ("fragmentation is recovered by release-and-retry", fragmentationIsRecoveredByRetry),
            ("out-of-memory message names every figure", outOfMemoryMessageNamesEveryFigure),
            ("concurrent use keeps every invariant", { try concurrentUse(threads: 8, iterations: 2_000) }),
        ]
    }

    /// An allocator over a fresh backend, limited to about `limitBytes` when given.
    public func makeAllocator(configuration: AllocatorConfiguration = .default, limitBytes: Int? = nil) throws -> CachingAllocator {
        let backend = try makeBackend()
        var configuration = configuration
        if let limitBytes {
            let total = backend.memoryInfo().totalBytes
            configuration.memoryFraction = min(1, Double(limitBytes) / Double(total))
        }
        return try CachingAllocator(backend: backend, configuration: configuration)
    }

    /// Fills a live allocation with a recognisable byte.
    func fill(_ allocation: DeviceAllocation, of allocator: CachingAllocator, with value: UInt8) throws {
        guard let memory = allocator.backend as? any HostAccessibleMemory else { return }
        try memory.fill(address: allocation.address, byteCount: allocation.byteCount, value: value)
    }

    /// Checks the start, middle and end of an allocation still hold `value`.
    func verify(_ allocation: DeviceAllocation, of allocator: CachingAllocator, holds value: UInt8) throws {
        guard let memory = allocator.backend as? any HostAccessibleMemory, allocation.byteCount > 0 else { return }
        let window = min(64, allocation.byteCount)
        for start in Set([0, (allocation.byteCount - window) / 2, allocation.byteCount - window]) {
            let bytes = try memory.copyToHost(address: allocation.address + UInt(start), byteCount: window)
            try require(bytes.allSatisfy { $0 == value },
                        "live block at 0x\(String(allocation.address, radix: 16)) lost its contents at offset \(start)")
        }
    }
}
