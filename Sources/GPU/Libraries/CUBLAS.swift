import DeviceMemory

/// NVIDIA's BLAS (`libcublas`), loaded at run time: the matrix products of the CUDA backend.
public struct CUBLAS: @unchecked Sendable {
    // @unchecked: immutable C function pointers; cuBLAS is thread-safe across handles.

    // C prototypes from cublas_api.h. cublasStatus_t and the enums are `int`; a handle is a
    // pointer; `long long` strides are Int64; alpha and beta are host pointers (the default
    // pointer mode).
    typealias Create = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias Destroy = @convention(c) (OpaquePointer?) -> Int32
    typealias SetStream = @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
    typealias SetWorkspace = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int) -> Int32
    typealias SetMathMode = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias Sgemm = @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>?, UnsafeRawPointer?, Int32,
        UnsafeRawPointer?, Int32, UnsafePointer<Float>?, UnsafeMutableRawPointer?, Int32
    ) -> Int32
    typealias SgemmStridedBatched = @convention(c) (
        OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>?, UnsafeRawPointer?, Int32, Int64,
        UnsafeRawPointer?, Int32, Int64, UnsafePointer<Float>?, UnsafeMutableRawPointer?, Int32, Int64, Int32
    ) -> Int32
    typealias StatusString = @convention(c) (Int32) -> UnsafePointer<CChar>?

    let cublasCreate: Create
    let cublasDestroy: Destroy
    let cublasSetStream: SetStream
    let cublasSetWorkspace: SetWorkspace
    let cublasSetMathMode: SetMathMode
    let cublasSgemm: Sgemm
    let cublasSgemmStridedBatched: SgemmStridedBatched
    let cublasGetStatusString: StatusString?

    public let libraryName: String

    // cublasMath_t: plain FP32, no TF32 tensor cores, so results match the CPU's to rounding.
    static let defaultMath: Int32 = 0

    public static let locator = CUDALibraryLocator(
        sonames: ["libcublas.so.13", "libcublas.so.12", "libcublas.so"], pipPackages: ["cu13", "cublas"])

    /// The process-wide library, or why there is none.
    public static let shared: Result<CUBLAS, DeviceMemoryError> = locator.load(
        "CUDA matrix products are not available", library: "libcublas", pipPackage: "nvidia-cublas", CUBLAS.init)

    private init(library: DynamicLibrary) throws(DeviceMemoryError) {
        func need<T>(_ name: String) throws(DeviceMemoryError) -> T {
            try library.require(name, hint: "cuBLAS 12 or newer is needed")
        }
        libraryName = library.loadedName
        cublasCreate = try need("cublasCreate_v2")
        cublasDestroy = try need("cublasDestroy_v2")
        cublasSetStream = try need("cublasSetStream_v2")
        cublasSetWorkspace = try need("cublasSetWorkspace_v2")
        cublasSetMathMode = try need("cublasSetMathMode")
        cublasSgemm = try need("cublasSgemm_v2")
        cublasSgemmStridedBatched = try need("cublasSgemmStridedBatched")
        cublasGetStatusString = library.symbol("cublasGetStatusString", as: StatusString.self)
    }

    func check(_ status: Int32, _ what: String) throws(DeviceMemoryError) {
        guard status != 0 else { return }
        let text = cublasGetStatusString?(status).map { String(cString: $0) } ?? "cublasStatus_t \(status)"
        throw DeviceMemoryError(.backendFailure, "\(what) failed: \(text)")
    }
}

/// Whether a matrix enters a product as it is or transposed (column-major, as BLAS sees it).
public enum MatrixOperation: Int32, Sendable {
    case none = 0  // CUBLAS_OP_N
    case transpose = 1  // CUBLAS_OP_T
}

/// One column-major matrix operand: a device address and its leading dimension, plus the
/// distance between consecutive matrices of a batch (in elements).
public struct MatrixOperand: Sendable {
    public var address: UInt
    public var leadingDimension: Int
    public var batchStride: Int

    public init(_ address: UInt, leadingDimension: Int, batchStride: Int = 0) {
        self.address = address
        self.leadingDimension = leadingDimension
        self.batchStride = batchStride
    }
}
