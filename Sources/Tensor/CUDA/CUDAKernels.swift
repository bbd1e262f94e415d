import DeviceMemory
import GPU
import Synchronization

/// The backend's kernels, compiled by NVRTC for one GPU and loaded into its context.
struct CUDAKernels: @unchecked Sendable {
    // @unchecked: the module and the kernel handles are fixed after init.
    let module: CUDAModule
    let fillRows, fillColumns, add, addRow, gelu, layerNorm, softmaxRows, transpose, gatherRows, copyColumns, im2col: CUDAKernel
    let linearFewRows, attentionFewQueries: CUDAKernel

    init(memory: CUDAMemory) throws(DeviceMemoryError) {
        module = try CUDAModule(image: try Self.image(for: memory.computeCapability), memory: memory)
        fillRows = try module.kernel("auris_fill_rows")
        fillColumns = try module.kernel("auris_fill_columns")
        add = try module.kernel("auris_add")
        addRow = try module.kernel("auris_add_row")
        gelu = try module.kernel("auris_gelu")
        layerNorm = try module.kernel("auris_layer_norm")
        softmaxRows = try module.kernel("auris_softmax_rows")
        transpose = try module.kernel("auris_transpose")
        gatherRows = try module.kernel("auris_gather_rows")
        copyColumns = try module.kernel("auris_copy_columns")
        im2col = try module.kernel("auris_im2col")
        linearFewRows = try module.kernel("auris_linear_few_rows")
        attentionFewQueries = try module.kernel("auris_attention_few_queries")
    }

    /// The program for one architecture, such as "9.0".
    static func program(computeCapability: String) -> NVRTC.Program {
        NVRTC.Program(source: CUDAKernelSource.text, name: CUDAKernelSource.fileName, computeCapability: computeCapability)
    }

    /// Compiled code per architecture: compiling takes about a second, and every backend on
    /// GPUs of the same kind can share it.
    private static let images = Mutex<[String: [UInt8]]>([:])

    static func image(for computeCapability: String) throws(DeviceMemoryError) -> [UInt8] {
        if let image = images.withLock({ $0[computeCapability] }) { return image }
        let image = try NVRTC.shared.get().compile(program(computeCapability: computeCapability))
        images.withLock { $0[computeCapability] = image }
        return image
    }
}
