import DeviceMemory
import DeviceMemoryConformance
import PropertyBased
import Testing

/// The conformance suite over both host backends: the machine's memory, and a capped device
/// on which out-of-memory happens for real in the backend rather than through the fraction.
let hostSuites = [
    ConformanceSuite(name: "host") { HostMemory() },
    ConformanceSuite(name: "host capped at 192 MiB") { HostMemory(capacityBytes: 192 << 20) },
]

/// Configurations the random sequences run under: PyTorch's defaults, an oversize limit, and
/// garbage collection with a memory fraction.
let configurations: [AllocatorConfiguration] = [
    .default,
    AllocatorConfiguration(maxSplitSize: 24 << 20),
    AllocatorConfiguration(maxSplitSize: 32 << 20, garbageCollectionThreshold: 0.5),
]

/// Random operation sequences, built from integers so that failures shrink to short ones.
let operationSequences = Gen.int(in: 0...Int(Int32.max)).array(of: 1...120)

@Suite("Conformance on the host")
struct ConformanceTests {
    @Test("random sequences keep every invariant", arguments: hostSuites.indices, configurations.indices)
    func randomSequences(suiteIndex: Int, configurationIndex: Int) async {
        let suite = hostSuites[suiteIndex], configuration = configurations[configurationIndex]
        await propertyCheck(count: 60, input: operationSequences) { codes in
            #expect(throws: Never.self) {
                try suite.replay(codes.map(AllocatorOperation.init(code:)), configuration: configuration)
            }
        }
    }

    @Test("every named check passes", arguments: hostSuites.indices)
    func namedChecks(suiteIndex: Int) throws {
        for check in hostSuites[suiteIndex].checks {
            do { try check.run() } catch {
                Issue.record("\(check.name): \(error)")
            }
        }
    }
}
