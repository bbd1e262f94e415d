import DeviceMemory

/// The driver entry points for running work (modules, kernels, streams, asynchronous copies and
/// page-locked host memory), resolved from the same `libcuda` as ``CUDADriver``'s memory calls.
///
/// Kept apart from the memory entry points so that each list stays readable; both are resolved
/// when the driver loads, so a driver without them fails there, with the symbol's name.
struct CUDAComputeFunctions: @unchecked Sendable {
    // @unchecked: immutable C function pointers; the driver API is thread-safe.

    // C prototypes from cuda.h. CUmodule, CUfunction and CUstream are pointers; `unsigned int`
    // is UInt32; `void **kernelParams` is an array of pointers to each argument's value.
    typealias CuModuleLoadData = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafeRawPointer?) -> Int32
    typealias CuModuleUnload = @convention(c) (OpaquePointer?) -> Int32
    typealias CuModuleGetFunction = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    typealias CuLaunchKernel = @convention(c) (
        OpaquePointer?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, OpaquePointer?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Int32
    typealias CuStreamCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UInt32) -> Int32
    typealias CuStreamHandle = @convention(c) (OpaquePointer?) -> Int32
    typealias CuMemcpyHtoDAsync = @convention(c) (UInt64, UnsafeRawPointer?, Int, OpaquePointer?) -> Int32
    typealias CuMemcpyDtoHAsync = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int, OpaquePointer?) -> Int32
    typealias CuMemHostAlloc = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int, UInt32) -> Int32
    typealias CuMemFreeHost = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    // CUstream_flags (cuda.h): the stream does not synchronise with the legacy default stream.
    static let streamNonBlocking: UInt32 = 1

    let cuModuleLoadData: CuModuleLoadData
    let cuModuleUnload: CuModuleUnload
    let cuModuleGetFunction: CuModuleGetFunction
    let cuLaunchKernel: CuLaunchKernel
    let cuStreamCreate: CuStreamCreate
    let cuStreamDestroy: CuStreamHandle
    let cuStreamSynchronize: CuStreamHandle
    let cuMemcpyHtoDAsync: CuMemcpyHtoDAsync
    let cuMemcpyDtoHAsync: CuMemcpyDtoHAsync
    let cuMemHostAlloc: CuMemHostAlloc
    let cuMemFreeHost: CuMemFreeHost

    init(library: DynamicLibrary) throws(DeviceMemoryError) {
        func need<T>(_ name: String) throws(DeviceMemoryError) -> T {
            try library.require(name, hint: CUDADriver.missingSymbolHint)
        }
        cuModuleLoadData = try need("cuModuleLoadData")
        cuModuleUnload = try need("cuModuleUnload")
        cuModuleGetFunction = try need("cuModuleGetFunction")
        cuLaunchKernel = try need("cuLaunchKernel")
        cuStreamCreate = try need("cuStreamCreate")
        cuStreamDestroy = try need("cuStreamDestroy_v2")
        cuStreamSynchronize = try need("cuStreamSynchronize")
        cuMemcpyHtoDAsync = try need("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try need("cuMemcpyDtoHAsync_v2")
        cuMemHostAlloc = try need("cuMemHostAlloc")
        cuMemFreeHost = try need("cuMemFreeHost")
    }
}
