import DeviceMemory
import DeviceMemoryConformance
import GPU
import Testing

/// The allocator conformance suite, unchanged, on every CUDA device of the machine.
@Suite("Conformance on CUDA", .serialized, .enabled(if: GPUPresence.hasCUDADevice, GPUPresence.noGPUReason))
struct CUDAConformanceTests {
    @Test("every named check passes on every GPU")
    func namedChecks() {
        for device in DeviceDiscovery.discover().cuda {
            let suite = ConformanceSuite(name: device.id.description) { try DeviceDiscovery.makeBackend(for: device.id) }
            for check in suite.checks {
                do { try check.run() } catch {
                    Issue.record("\(device.id) \(check.name): \(error)")
                }
            }
        }
    }

    @Test("random sequences under every configuration", arguments: [
        AllocatorConfiguration.default,
        AllocatorConfiguration(maxSplitSize: 24 << 20),
        AllocatorConfiguration(maxSplitSize: 32 << 20, garbageCollectionThreshold: 0.5),
    ])
    func randomSequences(configuration: AllocatorConfiguration) throws {
        let suite = ConformanceSuite(name: "cuda:0") { try DeviceDiscovery.makeBackend(for: .cuda(0)) }
        for seed in 1...20 as ClosedRange<UInt64> {
            try suite.replayRandom(seed: seed, count: 150, configuration: configuration)
        }
    }
}
