import DeviceMemory

/// The NVIDIA Management Library (`libnvidia-ml`), loaded at run time and initialised once per
/// process. NVML sees the whole GPU (every process's memory), which the CUDA driver does not.
struct NVMLLibrary: @unchecked Sendable {
    // @unchecked: immutable C function pointers; NVML is thread-safe once initialised.

    // nvmlReturn_t values this module branches on (nvml.h).
    static let success: Int32 = 0  // NVML_SUCCESS
    static let errorInsufficientSize: Int32 = 7  // NVML_ERROR_INSUFFICIENT_SIZE
    static let errorDriverNotLoaded: Int32 = 9  // NVML_ERROR_DRIVER_NOT_LOADED
    /// Buffer size nvml.h recommends for names and UUIDs (NVML_DEVICE_NAME_V2_BUFFER_SIZE and
    /// NVML_DEVICE_UUID_V2_BUFFER_SIZE are both 96).
    static let stringBufferSize = 96

    // C prototypes from nvml.h. nvmlReturn_t is a C enum (`int`), nvmlDevice_t a pointer to an
    // opaque struct, `unsigned int` is UInt32. nvmlMemory_t is three `unsigned long long`
    // (total, free, used) with no padding, so it is passed as a pointer to three UInt64.
    typealias NvmlInit = @convention(c) () -> Int32
    typealias NvmlErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias NvmlGetCount = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
    typealias NvmlHandleByIndex = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias NvmlHandleByPciBusId = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias NvmlDeviceString = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    typealias NvmlMemoryInfo = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt64>?) -> Int32
    /// Both _v3 and _v2 take an array of the four-field nvmlProcessInfo_t (see
    /// ``NVMLLibrary/processInfoStride``); the buffer is raw because its layout is C's, not Swift's.
    typealias NvmlRunningProcesses = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt32>?, UnsafeMutableRawPointer?) -> Int32

    let nvmlErrorString: NvmlErrorString
    let getCount: NvmlGetCount
    let handleByIndex: NvmlHandleByIndex
    /// Optional: absent from drivers older than the _v2 PCI lookup; index matching is used then.
    let handleByPciBusId: NvmlHandleByPciBusId?
    let getName: NvmlDeviceString
    let getUUID: NvmlDeviceString
    let getMemoryInfo: NvmlMemoryInfo
    /// `nvmlDeviceGetComputeRunningProcesses_v3`, or `_v2` on drivers that predate _v3; both use
    /// the same struct. `nil` only on very old drivers, where process lists are left empty.
    let computeRunningProcesses: NvmlRunningProcesses?

    /// The process-wide library, or why NVML cannot be used (`.unavailable`).
    ///
    /// NVML is never shut down: staying initialised holds only a little host memory, while
    /// initialising again for each query would cost milliseconds every time.
    static let shared: Result<NVMLLibrary, DeviceMemoryError> = load()

    static let libraryCandidates = ["libnvidia-ml.so.1", "libnvidia-ml.so"]

    static func unavailable(_ reason: String) -> DeviceMemoryError {
        DeviceMemoryError(.unavailable, "NVML is not available: \(reason)")
    }

    private static func load() -> Result<NVMLLibrary, DeviceMemoryError> {
        switch DynamicLibrary.open(candidates: libraryCandidates) {
        case .failure(let failure):
            let reason = failure.allNotFound
                ? "libnvidia-ml.so.1 was not found (no NVIDIA driver installed)"
                : "libnvidia-ml.so.1 could not be loaded (\(failure.reasons.joined(separator: "; ")))"
            return .failure(unavailable(reason))
        case .success(let library):
            do throws(DeviceMemoryError) {
                return .success(try NVMLLibrary(library: library))
            } catch {
                return .failure(error)
            }
        }
    }

    private init(library: DynamicLibrary) throws(DeviceMemoryError) {
        func need<T>(_ name: String, _ type: T.Type = T.self) throws(DeviceMemoryError) -> T {
            guard let function = library.symbol(name, as: type) else {
                throw NVMLLibrary.unavailable("\(library.loadedName) does not export \(name) (the NVIDIA driver is too old)")
            }
            return function
        }
        let nvmlInit: NvmlInit = try need("nvmlInit_v2")
        nvmlErrorString = try need("nvmlErrorString")
        getCount = try need("nvmlDeviceGetCount_v2")
        handleByIndex = try need("nvmlDeviceGetHandleByIndex_v2")
        handleByPciBusId = library.symbol("nvmlDeviceGetHandleByPciBusId_v2", as: NvmlHandleByPciBusId.self)
        getName = try need("nvmlDeviceGetName")
        getUUID = try need("nvmlDeviceGetUUID")
        getMemoryInfo = try need("nvmlDeviceGetMemoryInfo")
        computeRunningProcesses =
            library.symbol("nvmlDeviceGetComputeRunningProcesses_v3", as: NvmlRunningProcesses.self)
            ?? library.symbol("nvmlDeviceGetComputeRunningProcesses_v2", as: NvmlRunningProcesses.self)

        let result = nvmlInit()
        if result == NVMLLibrary.errorDriverNotLoaded {
            throw NVMLLibrary.unavailable("the NVIDIA kernel driver is not loaded (\(describe(result)))")
        }
        if result != NVMLLibrary.success {
            throw NVMLLibrary.unavailable("nvmlInit_v2 failed: \(describe(result))")
        }
    }

    /// NVML's text for a return code, with the number for searching.
    func describe(_ result: Int32) -> String {
        let text = nvmlErrorString(result).map { String(cString: $0) } ?? "unknown error"
        return "\(text) (nvmlReturn_t \(result))"
    }

    /// Throws `.backendFailure` naming the call when `result` is not NVML_SUCCESS.
    func check(_ result: Int32, _ what: String) throws(DeviceMemoryError) {
        guard result != NVMLLibrary.success else { return }
        throw DeviceMemoryError(.backendFailure, "\(what) failed: \(describe(result))")
    }

    /// Calls an NVML string getter into a zeroed buffer whose last byte is kept as terminator.
    func string(_ getter: NvmlDeviceString, _ handle: OpaquePointer, _ what: String) throws(DeviceMemoryError) -> String {
        var buffer = [CChar](repeating: 0, count: NVMLLibrary.stringBufferSize)
        let size = UInt32(NVMLLibrary.stringBufferSize - 1)
        let result = buffer.withUnsafeMutableBufferPointer { getter(handle, $0.baseAddress, size) }
        try check(result, what)
        return cStringValue(buffer)
    }
}
