import DeviceMemory
#if canImport(Glibc)
import Glibc
#endif
import GPU
import Synchronization

/// The NVIDIA GPU implementation of ``ComputeBackend``: cuBLAS for matrix products, NVRTC-compiled
/// kernels for the rest, all queued on one stream, every buffer from the device's caching
/// allocator (cuBLAS's workspace included).
///
/// One backend per device, used by that device's one worker (see Note [One stream per worker]).
public final class CUDABackend: ComputeBackend, @unchecked Sendable {
    // @unchecked: the handles are fixed after init; the staging buffer is behind a lock.
    public let allocator: CachingAllocator
    public let memory: CUDAMemory
    let stream: CUDAStream
    let blas: CUBLASHandle
    public var workspaceBytes: Int { blas.workspaceBytes }
    let kernels: CUDAKernels
    /// Whether decoding steps use the one-launch kernels of Note [Decoding steps in few launches]:
    /// `AURIS_CUDA_DECODE_KERNELS=1`. Off by default until a GPU has shown they give the CPU's
    /// transcripts; `scripts/device/check-cuda.sh` runs both ways.
    let decodeKernels: Bool
    private let staging = Mutex<PinnedHostBuffer?>(nil)

    public var device: DeviceID { allocator.device }

    /// Opens the backend on the device of `allocator`, which must be a CUDA allocator.
    ///
    /// - Throws: `.unavailable` when NVRTC or cuBLAS cannot be loaded (the message says how to
    ///   install them), `.backendFailure` when the driver refuses the kernels.
    public init(allocator: CachingAllocator) throws(DeviceMemoryError) {
        guard let memory = allocator.backend as? CUDAMemory else {
            throw DeviceMemoryError(.invalidDevice, "the CUDA backend needs a CUDA device's allocator, not \(allocator.device)")
        }
        self.allocator = allocator
        self.memory = memory
        stream = try CUDAStream(memory: memory)
        kernels = try CUDAKernels(memory: memory)
        decodeKernels = Self.decodeKernelsRequested
        let hopperOrNewer = (Int(memory.computeCapability.split(separator: ".").first ?? "0") ?? 0) >= 9
        blas = try CUBLASHandle(stream: stream, allocator: allocator, workspaceBytes: (hopperOrNewer ? 32 : 4) << 20)
    }

    /// `AURIS_CUDA_DECODE_KERNELS=1` in the environment.
    static var decodeKernelsRequested: Bool { getenv("AURIS_CUDA_DECODE_KERNELS").map { String(cString: $0) } == "1" }

    public func upload(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let tensor = try makeTensor(shape: shape)
        if let base = values.baseAddress {
            try stream.copy(from: base, toDevice: tensor.address, byteCount: values.count * MemoryLayout<Float>.stride)
        }
        return tensor
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to region: DeviceRegion) throws {
        precondition(bytes.count <= region.byteCount, "\(bytes.count) bytes do not fit a region of \(region.byteCount)")
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        try stream.copy(from: source, toDevice: region.address, byteCount: bytes.count)
    }

    /// Copies through a page-locked buffer that grows to the largest download and is reused:
    /// the logits of every decoding step come back this way.
    public func download(_ tensor: Tensor) throws -> [Float] {
        let byteCount = tensor.count * MemoryLayout<Float>.stride
        return try staging.withLock { staging throws -> [Float] in
            if staging == nil || staging!.byteCount < byteCount {
                staging = nil
                staging = try PinnedHostBuffer(byteCount: max(byteCount, 1 << 20), memory: memory)
            }
            let buffer = staging!
            try stream.copy(fromDevice: tensor.address, to: buffer.pointer, byteCount: byteCount)
            try stream.synchronize()
            return Array(UnsafeBufferPointer(start: buffer.pointer.assumingMemoryBound(to: Float.self), count: tensor.count))
        }
    }

    public func synchronize() throws {
        try stream.synchronize()
    }

    /// Runs an element-wise kernel over `count` elements with a grid-stride loop.
    func launchElementwise(_ kernel: CUDAKernel, count: Int, _ arguments: [KernelArgument]) throws {
        guard count > 0 else { return }
        try stream.launch(kernel, grid: KernelGrid(min((count + 255) / 256, 1 << 16)), block: KernelGrid(256), arguments)
    }

    /// Runs a kernel with one block of 256 threads per row.
    func launchPerRow(_ kernel: CUDAKernel, rows: Int, _ arguments: [KernelArgument]) throws {
        guard rows > 0 else { return }
        try stream.launch(kernel, grid: KernelGrid(rows), block: KernelGrid(256), arguments)
    }
}

extension Tensor {
    /// The device address as a kernel argument.
    var argument: KernelArgument { .address(address) }
}
