import DeviceMemory
import DeviceMemoryConformance
import Testing

/// Many Swift tasks sharing one allocator, as the server's workers and admin routes will.
@Suite("Concurrent tasks")
struct ConcurrencyTests {
    @Test func tasksShareOneAllocator() async throws {
        let allocator = try CachingAllocator(backend: HostMemory(capacityBytes: 512 << 20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var held: [DeviceAllocation] = []
                    for step in 0..<500 {
                        if step % 3 == 2 || held.count > 8 {
                            try allocator.free(held.removeFirst())
                        } else {
                            held.append(try allocator.allocate(byteCount: (task * 7919 + step * 104_729) % (3 << 20) + 1))
                        }
                        if step % 97 == 0 { _ = allocator.emptyCache() }
                    }
                    for allocation in held { try allocator.free(allocation) }
                }
            }
            try await group.waitForAll()
        }
        try Invariants.check(allocator, live: [])
        #expect(allocator.usage().allocatedBytes == 0)
        #expect(allocator.emptyCache().after.reservedBytes == 0)
    }
}
