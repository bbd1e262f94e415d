import DeviceMemory

/// The CUDA driver API (`libcuda`), loaded at run time and initialised once per process.
///
/// Only the entry points this module uses are resolved. Each is looked up by its exact versioned
/// name (`cuMemAlloc_v2`, not `cuMemAlloc`): the header maps the plain names to these with
/// macros, while the unversioned exported symbols are the legacy 32-bit-size ABI, so asking
/// `dlsym` for the plain name would silently get the wrong function.
public struct CUDADriver: @unchecked Sendable {
    // @unchecked: every stored property is an immutable C function pointer or value; the driver
    // API itself is thread-safe.

    // CUresult values this module branches on (cuda.h, enum cudaError_enum).
    static let success: Int32 = 0  // CUDA_SUCCESS
    static let errorOutOfMemory: Int32 = 2  // CUDA_ERROR_OUT_OF_MEMORY
    static let errorStubLibrary: Int32 = 34  // CUDA_ERROR_STUB_LIBRARY
    static let errorNoDevice: Int32 = 100  // CUDA_ERROR_NO_DEVICE
    // CUdevice_attribute values (cuda.h).
    static let attributeComputeCapabilityMajor: Int32 = 75
    static let attributeComputeCapabilityMinor: Int32 = 76

    // C prototypes from cuda.h. CUresult and CUdevice are `int`, CUdevice_attribute is a C enum
    // (passed as `int`), CUcontext is a pointer, CUdeviceptr is `unsigned long long` on 64-bit
    // hosts, and `size_t` is Swift's `Int`.
    typealias CuInit = @convention(c) (UInt32) -> Int32
    typealias CuIntOut = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias CuDeviceGet = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias CuDeviceString = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32
    typealias CuDeviceTotalMem = @convention(c) (UnsafeMutablePointer<Int>?, Int32) -> Int32
    typealias CuDeviceGetAttribute = @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> Int32
    typealias CuPrimaryCtxRetain = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Int32
    typealias CuPrimaryCtxRelease = @convention(c) (Int32) -> Int32
    typealias CuCtxSetCurrent = @convention(c) (OpaquePointer?) -> Int32
    typealias CuCtxSynchronize = @convention(c) () -> Int32
    typealias CuMemAlloc = @convention(c) (UnsafeMutablePointer<UInt64>?, Int) -> Int32
    typealias CuMemFree = @convention(c) (UInt64) -> Int32
    typealias CuMemGetInfo = @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> Int32
    typealias CuMemsetD8 = @convention(c) (UInt64, UInt8, Int) -> Int32
    typealias CuMemcpyDtoH = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> Int32
    typealias CuMemcpyHtoD = @convention(c) (UInt64, UnsafeRawPointer?, Int) -> Int32
    typealias CuGetErrorText = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32

    let cuInit: CuInit
    let cuDriverGetVersion: CuIntOut
    let cuDeviceGetCount: CuIntOut
    let cuDeviceGet: CuDeviceGet
    let cuDeviceGetName: CuDeviceString
    let cuDeviceGetPCIBusId: CuDeviceString
    let cuDeviceTotalMem: CuDeviceTotalMem
    let cuDeviceGetAttribute: CuDeviceGetAttribute
    let cuDevicePrimaryCtxRetain: CuPrimaryCtxRetain
    let cuDevicePrimaryCtxRelease: CuPrimaryCtxRelease
    let cuCtxSetCurrent: CuCtxSetCurrent
    let cuCtxSynchronize: CuCtxSynchronize
    let cuMemAlloc: CuMemAlloc
    let cuMemFree: CuMemFree
    let cuMemGetInfo: CuMemGetInfo
    let cuMemsetD8: CuMemsetD8
    let cuMemcpyDtoH: CuMemcpyDtoH
    let cuMemcpyHtoD: CuMemcpyHtoD
    let cuGetErrorName: CuGetErrorText
    let cuGetErrorString: CuGetErrorText
    /// Modules, kernels, streams, asynchronous copies, page-locked host memory.
    let compute: CUDAComputeFunctions

    /// The library name that loaded, such as `libcuda.so.1`.
    public let libraryName: String
    /// The driver's CUDA version as `cuDriverGetVersion` encodes it: 1000 × major + 10 × minor.
    public let driverVersion: Int32

    /// The process-wide driver, or why CUDA cannot be used here (always `.unavailable`).
    ///
    /// A `static let` is initialised lazily and exactly once, even under concurrent first use, so
    /// the library is opened and `cuInit` runs once however many backends or discoveries ask.
    public static let shared: Result<CUDADriver, DeviceMemoryError> = load()

    /// The library names tried, in order. `libcuda.so.1` is the soname the driver installs; the
    /// unversioned name only exists where a development symlink was added.
    static let libraryCandidates = ["libcuda.so.1", "libcuda.so"]

    private static func load() -> Result<CUDADriver, DeviceMemoryError> {
        switch DynamicLibrary.open(candidates: libraryCandidates) {
        case .failure(let failure):
            let reason = failure.allNotFound
                ? "libcuda.so.1 was not found (no NVIDIA driver installed)"
                : "libcuda.so.1 could not be loaded (\(failure.reasons.joined(separator: "; ")))"
            return .failure(unavailable(reason))
        case .success(let library):
            do throws(DeviceMemoryError) {
                return .success(try CUDADriver(library: library))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Why the driver library would lack an entry point, for the message that names it.
    static let missingSymbolHint = "the NVIDIA driver is too old, or this is not the real driver library"

    static func unavailable(_ reason: String) -> DeviceMemoryError {
        DeviceMemoryError(.unavailable, "CUDA is not available: \(reason)")
    }

    private init(library: DynamicLibrary) throws(DeviceMemoryError) {
        func need<T>(_ name: String) throws(DeviceMemoryError) -> T {
            do throws(DeviceMemoryError) {
                return try library.require(name, hint: CUDADriver.missingSymbolHint)
            } catch {
                throw CUDADriver.unavailable(error.message)
            }
        }
        libraryName = library.loadedName
        cuInit = try need("cuInit")
        cuDriverGetVersion = try need("cuDriverGetVersion")
        cuDeviceGetCount = try need("cuDeviceGetCount")
        cuDeviceGet = try need("cuDeviceGet")
        cuDeviceGetName = try need("cuDeviceGetName")
        cuDeviceGetPCIBusId = try need("cuDeviceGetPCIBusId")
        cuDeviceTotalMem = try need("cuDeviceTotalMem_v2")
        cuDeviceGetAttribute = try need("cuDeviceGetAttribute")
        cuDevicePrimaryCtxRetain = try need("cuDevicePrimaryCtxRetain")
        cuDevicePrimaryCtxRelease = try need("cuDevicePrimaryCtxRelease_v2")
        cuCtxSetCurrent = try need("cuCtxSetCurrent")
        cuCtxSynchronize = try need("cuCtxSynchronize")
        cuMemAlloc = try need("cuMemAlloc_v2")
        cuMemFree = try need("cuMemFree_v2")
        cuMemGetInfo = try need("cuMemGetInfo_v2")
        cuMemsetD8 = try need("cuMemsetD8_v2")
        cuMemcpyDtoH = try need("cuMemcpyDtoH_v2")
        cuMemcpyHtoD = try need("cuMemcpyHtoD_v2")
        cuGetErrorName = try need("cuGetErrorName")
        cuGetErrorString = try need("cuGetErrorString")
        do throws(DeviceMemoryError) {
            compute = try CUDAComputeFunctions(library: library)
        } catch {
            throw CUDADriver.unavailable(error.message)
        }

        // cuDriverGetVersion, cuGetErrorName and cuGetErrorString are documented to work before
        // cuInit, so the version is known and even an init failure gets a readable name.
        var version: Int32 = 0
        driverVersion = cuDriverGetVersion(&version) == CUDADriver.success ? version : 0
        let initResult = cuInit(0)
        if initResult != CUDADriver.success {
            throw CUDADriver.unavailable(
                CUDADriver.initFailureReason(initResult, described: describe(initResult)))
        }
    }

    /// Turns the common `cuInit` failures into a sentence a user can act on.
    private static func initFailureReason(_ result: Int32, described: String) -> String {
        switch result {
        case errorNoDevice:
            if let visible = environment("CUDA_VISIBLE_DEVICES") {
                return "the NVIDIA driver sees no usable GPU with CUDA_VISIBLE_DEVICES=\"\(visible)\" (\(described))"
            }
            return "the NVIDIA driver found no CUDA-capable GPU (\(described))"
        case errorStubLibrary:
            return "the loaded libcuda is the CUDA toolkit's link-time stub, not the driver; "
                + "remove the toolkit's stubs directory from LD_LIBRARY_PATH (\(described))"
        default:
            return "cuInit failed with \(described)"
        }
    }

    /// `CUDA_ERROR_NAME (description)` for a CUresult, or the bare number if the driver does not
    /// know it.
    public func describe(_ result: Int32) -> String {
        var name: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        guard cuGetErrorName(result, &name) == CUDADriver.success, let name else {
            return "CUresult \(result)"
        }
        let nameString = String(cString: name)
        guard cuGetErrorString(result, &text) == CUDADriver.success, let text else { return nameString }
        return "\(nameString) (\(String(cString: text)))"
    }

    /// Throws `.backendFailure` naming the call and the error when `result` is not CUDA_SUCCESS.
    ///
    /// Out of memory is deliberately not special-cased here: the one call where it is an expected
    /// outcome (`cuMemAlloc_v2`) checks for it before calling this.
    public func check(_ result: Int32, _ what: String) throws(DeviceMemoryError) {
        guard result != CUDADriver.success else { return }
        throw DeviceMemoryError(.backendFailure, "\(what) failed: \(describe(result))")
    }

    /// The driver version as `major.minor`, such as "13.0".
    public var driverVersionString: String {
        "\(driverVersion / 1000).\((driverVersion % 1000) / 10)"
    }
}
