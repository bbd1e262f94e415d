import COpenBLAS
import CPUKernels
import DeviceMemory

/// The host implementation of ``ComputeBackend``: OpenBLAS for matrix products, plain loops
/// (spread over the worker threads when large) for the rest. Tensors live in host memory from
/// the host's caching allocator.
public final class CPUBackend: ComputeBackend {
    public let allocator: CachingAllocator
    /// Threads for matrix products and the larger element-wise loops.
    public let threads: Int
    public var device: DeviceID { allocator.device }

    public init(allocator: CachingAllocator, threads: Int) {
        precondition(allocator.device.kind == .cpu, "the CPU backend needs the host allocator")
        self.allocator = allocator
        self.threads = max(1, threads)
        // Note [One BLAS thread]: OpenBLAS's own threads spin and yield between calls, which on
        // a small machine steals the cores the other threads need, and its thread hand-off
        // costs more than a decoding step's matrix-vector products. So OpenBLAS runs
        // single-threaded and the backend splits each product between its own threads.
        openblas_set_num_threads(1)
    }

    public func upload(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let tensor = try makeTensor(shape: shape)
        if let base = values.baseAddress { tensor.hostPointer.update(from: base, count: values.count) }
        return tensor
    }

    public func download(_ tensor: Tensor) throws -> [Float] {
        Array(UnsafeBufferPointer(start: tensor.hostPointer, count: tensor.count))
    }

    public func synchronize() throws {}

    /// Which implementation of the float16/int8/softmax/GELU kernels this CPU runs: "avx2", or
    /// "portable" on a CPU without AVX2, FMA and F16C (slower, same integers, floats within ulps).
    public static var kernels: String { String(cString: auris_kernels_isa()) }

    /// Runs `body` over `[0, count)` split into contiguous ranges, one per thread when the work
    /// is large enough to pay for the hand-off.
    func parallelRanges(_ count: Int, minimumPerThread: Int = 16_384, _ body: (Range<Int>) -> Void) {
        parallelParts(count, minimumPerThread: minimumPerThread) { _, range in body(range) }
    }

    /// `parallelRanges`, also passing each range's part number (below `threads`), for work
    /// that needs scratch of its own per part.
    func parallelParts(_ count: Int, minimumPerThread: Int = 16_384, _ body: (Int, Range<Int>) -> Void) {
        let parts = min(threads, max(1, count / minimumPerThread))
        concurrentlyPerform(parts) { part in body(part, (count * part / parts)..<(count * (part + 1) / parts)) }
    }
}

/// Runs `body` for every iteration on the spinning workers (Note [Workers that spin before they
/// sleep]), inline for one iteration.
///
/// The closures capture raw pointers, which Swift cannot prove safe to share; they are, because
/// every caller gives each iteration a disjoint part of the output and only reads shared input.
func concurrentlyPerform(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations <= 1 { body(0); return }
    withoutActuallyEscaping(body) { body in
        let shared = unsafeBitCast(body, to: (@Sendable (Int) -> Void).self)
        SpinningWorkers.shared.perform(iterations, shared)
    }
}
