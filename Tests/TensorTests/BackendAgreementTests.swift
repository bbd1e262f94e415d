import DeviceMemory
import GPU
import Tensor
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
struct WrongGELU: ComputeBackend {
    let base: CPUBackend
    var device: DeviceID { base.device }
    var allocator: CachingAllocator { base.allocator }
    func makeTensor(shape: [Int]) throws -> Tensor { try base.makeTensor(shape: shape) }
    func upload(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor { try base.upload(values, shape: shape) }
    func download(_ tensor: Tensor) throws -> [Float] { try base.download(tensor) }
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor { try base.linear(x, weight: weight, bias: bias) }
    func addInPlace(_ x: Tensor, _ y: Tensor) throws { try base.addInPlace(x, y) }
    func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) throws -> Tensor {
        try base.layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon)
    }
    func geluInPlace(_ x: Tensor) throws {
        try base.geluInPlace(x)
        x.hostPointer[7] += 0.01
    }
    func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor {
        try base.conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
    func transpose(_ x: Tensor) throws -> Tensor { try base.transpose(x) }
    func gatherRows(_ table: Tensor, rows: [Int]) throws -> Tensor { try base.gatherRows(table, rows: rows) }
    func copyColumns(of source: Tensor, columnStart: Int, width: Int, into destination: Tensor, destinationRow: Int) throws {
        try base.copyColumns(of: source, columnStart: columnStart, width: width, into: destination, destinationRow: destinationRow)
    }
    func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor {
        try base.attention(query: query, keys: keys, values: values, keyCount: keyCount, heads: heads, causal: causal)
    }
    func synchronize() throws {}
}
