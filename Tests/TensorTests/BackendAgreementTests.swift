import DeviceMemory
import GPU
import Tensor
import TensorTestKit
import Testing

/// The agreement check itself: it passes two backends that compute the same thing and names
/// the operation where one does not. On a GPU machine it then checks CUDA against the CPU.
@Suite("Backend agreement")
struct BackendAgreementTests {
    let cpu = CPUBackend(allocator: try! CachingAllocator(backend: HostMemory()), threads: 2)

    @Test func theCPUAgreesWithItself() throws {
        let oneThread = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let results = try BackendAgreement(reference: oneThread, candidate: cpu).run()
        #expect(results.count >= 15)
        #expect(results.allSatisfy { $0.passed }, "\(results.filter { !$0.passed })")
    }

    @Test func aWrongOperationIsNamed() throws {
        let broken = WrongGELU(base: CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 2))
        let results = try BackendAgreement(reference: cpu, candidate: broken).run()
        #expect(results.filter { !$0.passed }.map(\.operation) == ["gelu 1500×1536"])
    }

    @Test("CUDA computes what the CPU computes", .enabled(if: hasCUDADevice, "needs a machine with an NVIDIA GPU"))
    func cudaAgreesWithTheCPU() throws {
        let allocators = try DeviceAllocators(configuration: .default)
        let gpu = try ComputeBackends.open(.cuda(0), allocators: allocators, threads: 1)
        let results = try BackendAgreement(reference: cpu, candidate: gpu).run()
        #expect(results.allSatisfy { $0.passed }, "\(results.filter { !$0.passed })")
    }

    @Test("without a GPU, asking for one says why", .enabled(if: !hasCUDADevice, "checks a machine without a GPU"))
    func cudaWithoutAGPUIsExplained() throws {
        let allocators = try DeviceAllocators(configuration: .default)
        #expect {
            _ = try ComputeBackends.open(.cuda(0), allocators: allocators, threads: 1)
        } throws: { error in
            guard let error = error as? DeviceMemoryError else { return false }
            return error.code == .invalidDevice && error.message.contains("CUDA is not available")
        }
    }
}

let hasCUDADevice = !DeviceDiscovery.discover().cuda.isEmpty

/// The CPU backend with GELU off by a little: what a subtly wrong kernel looks like.
struct WrongGELU: ForwardingBackend {
    let base: any ComputeBackend
    func geluInPlace(_ x: Tensor) throws {
        try base.geluInPlace(x)
        x.hostPointer[7] += 0.01
    }
}
