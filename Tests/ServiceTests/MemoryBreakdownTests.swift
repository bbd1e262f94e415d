import DeviceMemory
import Service
import Testing

/// The parts of a device's memory add up to the whole (Note [A breakdown that adds up]).
@Suite("Memory breakdown")
struct MemoryBreakdownTests {
    static func bytes(_ breakdown: MemoryBreakdown, _ kind: MemoryBreakdown.Part.Kind) -> Int? {
        breakdown.parts.first { $0.kind == kind }.map(\.bytes)
    }

    @Test func onTheHostThePartsAreTheReservedBytesExactly() {
        let usage = MemoryUsage(allocatedBytes: 130 << 20, reservedBytes: 160 << 20)
        let breakdown = MemoryBreakdown(device: .cpu, usage: usage, weights: [("a", 80 << 20), ("b", 40 << 20)], workspaceBytes: 0,
                                        deviceMemory: DeviceMemoryInfo(freeBytes: 1 << 30, totalBytes: 4 << 30), processes: nil,
                                        ownProcessID: 1)
        #expect(breakdown.parts.filter { $0.kind == .weights }.map(\.model) == ["a", "b"])
        #expect(Self.bytes(breakdown, .jobs) == 10 << 20)
        #expect(Self.bytes(breakdown, .cached) == 30 << 20)
        #expect(Self.bytes(breakdown, .workspace) == nil && Self.bytes(breakdown, .context) == nil)
        #expect(breakdown.totalBytes == 160 << 20 && breakdown.unaccountedBytes == 0)
        #expect(breakdown.parts.reduce(0) { $0 + $1.bytes } == usage.reservedBytes)
    }

    @Test func onAGPUTheWholeIsTheDeviceAndNVMLGivesTheRest() {
        let usage = MemoryUsage(allocatedBytes: 300 << 20, reservedBytes: 400 << 20)
        let processes = [GPUProcessUsage(pid: 42, name: "auris", usedBytes: 900 << 20),
                         GPUProcessUsage(pid: 7, name: "python3", usedBytes: 2 << 30),
                         GPUProcessUsage(pid: 8, name: "", usedBytes: nil)]
        let device = DeviceMemoryInfo(freeBytes: 10 << 30, totalBytes: (13 << 30) + (10 << 20))
        let breakdown = MemoryBreakdown(device: .cuda(0), usage: usage, weights: [("tiny", 250 << 20)], workspaceBytes: 32 << 20,
                                        deviceMemory: device, processes: processes, ownProcessID: 42)
        #expect(Self.bytes(breakdown, .workspace) == 32 << 20)
        #expect(Self.bytes(breakdown, .jobs) == 18 << 20)
        #expect(Self.bytes(breakdown, .cached) == 100 << 20)
        #expect(Self.bytes(breakdown, .context) == 500 << 20, "this process's use less what its allocator reserved")
        #expect(Self.bytes(breakdown, .otherProcesses) == 2 << 30)
        #expect(breakdown.totalBytes == device.usedBytes)
        // 3 GiB + 10 MiB used; the parts give 400 MiB + 500 MiB + 2 GiB: the driver's 134 MiB is unaccounted.
        #expect(breakdown.unaccountedBytes == device.usedBytes - (900 << 20) - (2 << 30))
    }
}
