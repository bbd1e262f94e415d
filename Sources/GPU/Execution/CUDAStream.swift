import DeviceMemory

/// An ordered queue of work on one GPU: kernel launches, copies, and cuBLAS calls bound to it.
///
/// Note [One stream per worker]: everything one worker does on a device goes through its one
/// stream, in order. That is what makes the caching allocator's reuse safe without events: a
/// block freed by the host while a queued kernel still reads it can only be handed to work
/// queued behind that kernel on the same stream.
public final class CUDAStream: @unchecked Sendable {
    // @unchecked: the handle is fixed at init and only passed to the thread-safe driver; a
    // stream's users are serialised by the worker that owns it.
    public let memory: CUDAMemory
    private let handleBits: UInt

    /// Creates a stream on `memory`'s device, one that does not wait for the legacy default stream.
    public init(memory: CUDAMemory) throws(DeviceMemoryError) {
        self.memory = memory
        try memory.makeCurrent()
        var stream: OpaquePointer?
        let driver = memory.driver
        try driver.check(driver.compute.cuStreamCreate(&stream, CUDAComputeFunctions.streamNonBlocking),
                         "cuStreamCreate on \(memory.device)")
        handleBits = UInt(bitPattern: stream)
    }

    deinit {
        _ = memory.driver.cuCtxSetCurrent(memory.context)
        _ = memory.driver.compute.cuStreamDestroy(handle)
    }

    /// The CUstream, for libraries (cuBLAS) that queue their own work on it.
    public var handle: OpaquePointer? { OpaquePointer(bitPattern: handleBits) }

    private var driver: CUDADriver { memory.driver }

    /// Waits until everything queued on this stream has finished.
    public func synchronize() throws(DeviceMemoryError) {
        try memory.makeCurrent()
        try driver.check(driver.compute.cuStreamSynchronize(handle), "cuStreamSynchronize on \(memory.device)")
    }

    /// Queues a copy of `byteCount` host bytes to the device. From pageable memory the driver
    /// stages the bytes before returning, so `source` may be reused at once.
    public func copy(from source: UnsafeRawPointer, toDevice address: UInt, byteCount: Int) throws(DeviceMemoryError) {
        guard byteCount > 0 else { return }
        try memory.makeCurrent()
        try driver.check(driver.compute.cuMemcpyHtoDAsync(UInt64(address), source, byteCount, handle),
                         "cuMemcpyHtoDAsync_v2(\(byteCount) bytes) on \(memory.device)")
    }

    /// Queues a copy of `byteCount` device bytes into host memory; the bytes are there only
    /// after ``synchronize()``.
    public func copy(fromDevice address: UInt, to target: UnsafeMutableRawPointer, byteCount: Int) throws(DeviceMemoryError) {
        guard byteCount > 0 else { return }
        try memory.makeCurrent()
        try driver.check(driver.compute.cuMemcpyDtoHAsync(target, UInt64(address), byteCount, handle),
                         "cuMemcpyDtoHAsync_v2(\(byteCount) bytes) on \(memory.device)")
    }

    /// Queues `kernel` over `grid` blocks of `block` threads.
    public func launch(_ kernel: CUDAKernel, grid: KernelGrid, block: KernelGrid, sharedBytes: Int = 0,
                       _ arguments: [KernelArgument]) throws(DeviceMemoryError) {
        try memory.makeCurrent()
        // Each argument gets an 8-byte slot; the driver reads each through a pointer to its slot,
        // and copies them all before cuLaunchKernel returns.
        var slots = arguments.map(\.bits)
        let driver = self.driver, stream = handle
        let result = slots.withUnsafeMutableBufferPointer { values in
            var pointers: [UnsafeMutableRawPointer?] = (0..<values.count).map { UnsafeMutableRawPointer(values.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { pointers in
                driver.compute.cuLaunchKernel(
                    kernel.function, grid.x, grid.y, grid.z, block.x, block.y, block.z, UInt32(sharedBytes), stream,
                    pointers.baseAddress, nil)
            }
        }
        try driver.check(result, "launching \(kernel.name) on \(memory.device)")
    }
}

/// Grid or block dimensions of a launch.
public struct KernelGrid: Sendable, Equatable {
    public var x: UInt32, y: UInt32, z: UInt32

    public init(_ x: Int, _ y: Int = 1, _ z: Int = 1) {
        precondition(x > 0 && y > 0 && z > 0, "launch dimensions must be positive: \(x)×\(y)×\(z)")
        self.x = UInt32(x)
        self.y = UInt32(y)
        self.z = UInt32(z)
    }
}

/// One kernel parameter. The kernels take device pointers, 32-bit integers and floats only, so
/// every value fits one 8-byte slot read at its own width.
public enum KernelArgument: Sendable {
    case address(UInt)
    case int(Int32)
    case float(Float)

    /// The value's bytes at the start of a 64-bit slot (little-endian, as on every CUDA host).
    var bits: UInt64 {
        switch self {
        case .address(let address): UInt64(address)
        case .int(let value): UInt64(UInt32(bitPattern: value))
        case .float(let value): UInt64(value.bitPattern)
        }
    }

    public static func int(_ value: Int) -> KernelArgument { .int(Int32(value)) }
}
