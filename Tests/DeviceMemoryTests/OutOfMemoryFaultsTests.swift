import DeviceMemory
import Testing

/// The out-of-memory test hook: read from the environment, and failing device allocations only.
@Suite("Out-of-memory fault hook")
struct OutOfMemoryFaultsTests {
    @Test func isOffUnlessSetAndRefusesNonsense() throws {
        #expect(try OutOfMemoryFaults.fromEnvironment([:]) == nil)
        #expect(try OutOfMemoryFaults.fromEnvironment(["AURIS_FAULT_OOM": ""]) == nil)
        let faults = try #require(try OutOfMemoryFaults.fromEnvironment(["AURIS_FAULT_OOM": "0.1", "AURIS_FAULT_OOM_SEED": "7"]))
        #expect(faults.fraction == 0.1 && faults.seed == 7)
        for (text, phrase) in [("lots", "expected a fraction"), ("0", "greater than 0"), ("1.5", "at most 1")] {
            let error = #expect(throws: DeviceMemoryError.self) { try OutOfMemoryFaults.fromEnvironment(["AURIS_FAULT_OOM": text]) }
            #expect(error?.message.contains(phrase) == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func failsDeviceAllocationsButNeverTheCache() throws {
        let allocator = try CachingAllocator(backend: HostMemory(), faults: try OutOfMemoryFaults(fraction: 1))
        let error = #expect(throws: DeviceMemoryError.self) { try allocator.allocate(byteCount: 1 << 20) }
        #expect(error?.code == .outOfMemory)
        #expect(allocator.stats().numAllocRetries == 1, "the allocator released its cache and tried again first")
        #expect(allocator.injectedFaults == 2)

        // A block already cached is served without asking the device, so no fault can reach it.
        let warm = try CachingAllocator(backend: HostMemory(), faults: try OutOfMemoryFaults(fraction: 0.5, seed: 3))
        var block: DeviceAllocation?
        while block == nil { block = try? warm.allocate(byteCount: 4 << 20) }
        try warm.free(block!)
        let before = warm.injectedFaults
        for _ in 0..<50 { try warm.free(try warm.allocate(byteCount: 4 << 20)) }
        #expect(warm.injectedFaults == before)
        #expect(try CachingAllocator(backend: HostMemory()).injectedFaults == nil, "off by default")
    }
}
