import DeviceMemory
import GPU
import Testing

@Suite("CUDA memory backend")
struct CUDAMemoryTests {
    @Test("opening cuda:0 fails as unavailable without a GPU, and succeeds with one")
    func openDeviceZero() {
        do throws(DeviceMemoryError) {
            let memory = try CUDAMemory(deviceIndex: 0)
            #expect(GPUPresence.hasCUDADevice, "opened cuda:0 although discovery found no device")
            #expect(memory.device == .cuda(0))
            #expect(!memory.deviceName.isEmpty)
            #expect(memory.totalBytes > 0)
        } catch {
            #expect(!GPUPresence.hasCUDADevice, "cuda:0 exists but failed to open: \(error.message)")
            #expect(error.code == .unavailable)
            #expect(error.message.hasPrefix("CUDA is not available: "))
        }
    }
}

/// Tests that touch real device memory. Serialized so that one test's allocations cannot move
/// another's free-memory readings.
@Suite("CUDA memory on a GPU", .serialized, .enabled(if: GPUPresence.hasCUDADevice, GPUPresence.noGPUReason))
struct CUDAMemoryOnGPUTests {
    static let mebibyte = 1 << 20

    @Test("a 1 MiB region round-trips bytes through fill and both copies")
    func roundTrip() throws {
        let memory = try CUDAMemory(deviceIndex: 0)
        let address = try #require(try memory.allocate(byteCount: Self.mebibyte))
        defer { memory.free(address: address, byteCount: Self.mebibyte) }
        #expect(address != 0)

        try memory.fill(address: address, byteCount: Self.mebibyte, value: 0xA5)
        let filled = try memory.copyToHost(address: address, byteCount: Self.mebibyte)
        #expect(filled.count == Self.mebibyte)
        #expect(filled.allSatisfy { $0 == 0xA5 })

        let pattern = (0..<Self.mebibyte).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try memory.copyFromHost(pattern, to: address)
        #expect(try memory.copyToHost(address: address, byteCount: Self.mebibyte) == pattern)
        try memory.synchronize()
    }

    @Test("free memory drops while a region is held")
    func freeMemoryDrops() throws {
        let memory = try CUDAMemory(deviceIndex: 0)
        // The driver maps memory in chunks of 2 MiB and more, so a 1 MiB allocation can land in a
        // chunk the context already mapped; 64 MiB always shows, and fits any real GPU.
        let byteCount = 64 * Self.mebibyte
        let before = memory.memoryInfo()
        #expect(before.totalBytes > 0)
        #expect(before.freeBytes <= before.totalBytes)
        let address = try #require(try memory.allocate(byteCount: byteCount))
        try memory.fill(address: address, byteCount: byteCount, value: 0)
        let held = memory.memoryInfo()
        memory.free(address: address, byteCount: byteCount)
        #expect(held.freeBytes < before.freeBytes, "before \(before.freeBytes), held \(held.freeBytes)")
        #expect(held.totalBytes == before.totalBytes)
    }

    @Test("running out of memory returns nil instead of throwing")
    func outOfMemoryIsNil() throws {
        let memory = try CUDAMemory(deviceIndex: 0)
        let address = try memory.allocate(byteCount: memory.totalBytes * 2)
        #expect(address == nil)
        if let address { memory.free(address: address, byteCount: memory.totalBytes * 2) }
        // The device is still usable afterwards: out of memory is not a sticky CUDA error.
        let small = try #require(try memory.allocate(byteCount: Self.mebibyte))
        memory.free(address: small, byteCount: Self.mebibyte)
    }

    @Test("a zero-byte request gets a real address")
    func zeroBytes() throws {
        let memory = try CUDAMemory(deviceIndex: 0)
        let address = try #require(try memory.allocate(byteCount: 0))
        #expect(address != 0)
        memory.free(address: address, byteCount: 0)
        #expect(try memory.copyToHost(address: address, byteCount: 0).isEmpty)
    }
}
