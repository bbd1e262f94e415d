import DeviceMemory

/// Compiled device code loaded into one GPU's context, and the kernels found in it.
public final class CUDAModule: @unchecked Sendable {
    // @unchecked: the handle is fixed at init and only passed to the thread-safe driver.
    public let memory: CUDAMemory
    private let handleBits: UInt

    /// Loads a CUBIN (or PTX) image, such as ``NVRTC/compile(_:)`` produces.
    public init(image: [UInt8], memory: CUDAMemory) throws(DeviceMemoryError) {
        self.memory = memory
        try memory.makeCurrent()
        var module: OpaquePointer?
        let driver = memory.driver
        let result = image.withUnsafeBytes { driver.compute.cuModuleLoadData(&module, $0.baseAddress) }
        try driver.check(result, "cuModuleLoadData (\(image.count) bytes) on \(memory.device)")
        handleBits = UInt(bitPattern: module)
    }

    deinit {
        _ = memory.driver.cuCtxSetCurrent(memory.context)
        _ = memory.driver.compute.cuModuleUnload(OpaquePointer(bitPattern: handleBits))
    }

    /// The `extern "C"` kernel called `name`.
    public func kernel(_ name: String) throws(DeviceMemoryError) -> CUDAKernel {
        try memory.makeCurrent()
        var function: OpaquePointer?
        let driver = memory.driver
        let result = driver.compute.cuModuleGetFunction(&function, OpaquePointer(bitPattern: handleBits), name)
        try driver.check(result, "cuModuleGetFunction(\(name))")
        return CUDAKernel(name: name, functionBits: UInt(bitPattern: function))
    }
}

/// A kernel in a loaded module; valid while its ``CUDAModule`` lives.
public struct CUDAKernel: Sendable {
    public let name: String
    let functionBits: UInt

    var function: OpaquePointer? { OpaquePointer(bitPattern: functionBits) }
}
