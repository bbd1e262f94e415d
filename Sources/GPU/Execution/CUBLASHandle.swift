import DeviceMemory

/// A cuBLAS context bound to one stream, with its workspace from the caching allocator.
///
/// cuBLAS would otherwise allocate its own workspace with cudaMalloc, outside the allocator:
/// memory the System page could not see and "clear cache" could not explain. Here the
/// workspace is a block like any other, counted in "allocated" for as long as the handle lives.
public final class CUBLASHandle: @unchecked Sendable {
    // @unchecked: fixed after init; calls are serialised by the worker that owns the stream.
    public let stream: CUDAStream
    private let library: CUBLAS
    private let handleBits: UInt
    private let workspace: DeviceAllocation
    private let allocator: CachingAllocator

    /// Bytes of the workspace block, counted in the allocator's "allocated".
    public var workspaceBytes: Int { workspace.blockSize }

    /// - Parameter workspaceBytes: cuBLAS's recommendation is 4 MiB, and 32 MiB on Hopper.
    public init(stream: CUDAStream, allocator: CachingAllocator, workspaceBytes: Int) throws(DeviceMemoryError) {
        self.library = try CUBLAS.shared.get()
        self.stream = stream
        self.allocator = allocator
        try stream.memory.makeCurrent()
        var handle: OpaquePointer?
        try library.check(library.cublasCreate(&handle), "cublasCreate_v2 on \(stream.memory.device)")
        handleBits = UInt(bitPattern: handle)
        workspace = try allocator.allocate(byteCount: workspaceBytes)
        try library.check(library.cublasSetStream(handle, stream.handle), "cublasSetStream_v2")
        try library.check(library.cublasSetWorkspace(handle, UnsafeMutableRawPointer(bitPattern: workspace.address), workspaceBytes),
                          "cublasSetWorkspace_v2")
        try library.check(library.cublasSetMathMode(handle, CUBLAS.defaultMath), "cublasSetMathMode")
    }

    deinit {
        _ = stream.memory.driver.cuCtxSetCurrent(stream.memory.context)
        _ = library.cublasDestroy(handle)
        try? allocator.free(workspace)
    }

    private var handle: OpaquePointer? { OpaquePointer(bitPattern: handleBits) }

    /// Queues `C = alpha · op(A) · op(B) + beta · C` for `batch` matrices (column-major:
    /// op(A) is `m × k`, op(B) is `k × n`, C is `m × n`).
    public func multiply(_ a: MatrixOperand, _ transposeA: MatrixOperation, _ b: MatrixOperand, _ transposeB: MatrixOperation,
                         into c: MatrixOperand, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
                         batch: Int = 1) throws(DeviceMemoryError) {
        try stream.memory.makeCurrent()
        var alpha = alpha, beta = beta
        let library = self.library, handle = self.handle
        let status = withUnsafePointer(to: &alpha) { alpha in
            withUnsafePointer(to: &beta) { beta in
                let pa = UnsafeRawPointer(bitPattern: a.address), pb = UnsafeRawPointer(bitPattern: b.address)
                let pc = UnsafeMutableRawPointer(bitPattern: c.address)
                if batch == 1 {
                    return library.cublasSgemm(handle, transposeA.rawValue, transposeB.rawValue, Int32(m), Int32(n), Int32(k),
                                               alpha, pa, Int32(a.leadingDimension), pb, Int32(b.leadingDimension),
                                               beta, pc, Int32(c.leadingDimension))
                }
                return library.cublasSgemmStridedBatched(
                    handle, transposeA.rawValue, transposeB.rawValue, Int32(m), Int32(n), Int32(k),
                    alpha, pa, Int32(a.leadingDimension), Int64(a.batchStride), pb, Int32(b.leadingDimension), Int64(b.batchStride),
                    beta, pc, Int32(c.leadingDimension), Int64(c.batchStride), Int32(batch))
            }
        }
        try library.check(status, batch == 1 ? "cublasSgemm_v2 (\(m)×\(n)×\(k))" : "cublasSgemmStridedBatched (\(batch) × \(m)×\(n)×\(k))")
    }
}
