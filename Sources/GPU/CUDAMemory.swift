import DeviceMemory

/// Device memory on one NVIDIA GPU through the CUDA driver API: the `MemoryBackend` the caching
/// allocator runs on for `cuda:N`.
///
/// It uses the device's primary context, the one the CUDA runtime (and so every CUDA library in
/// the process) also uses, so memory allocated here is usable by kernels launched through them.
/// All state is fixed at init, which is what makes the class `Sendable` without locks.
public final class CUDAMemory: HostAccessibleMemory {
    public let device: DeviceID
    public let deviceName: String
    /// The device's total memory, fixed for its lifetime; also the fallback for `memoryInfo()`.
    public let totalBytes: Int

    /// "major.minor", such as "9.0" for Hopper; kernels are compiled for exactly this.
    public let computeCapability: String

    let driver: CUDADriver
    private let cuDevice: Int32
    /// The retained primary CUcontext as a bit pattern: a raw pointer is not `Sendable`, but this
    /// value is only ever handed back to the thread-safe driver, never dereferenced by Swift.
    private let contextBits: UInt

    /// Retains the primary context of CUDA device `deviceIndex` (as numbered after
    /// CUDA_VISIBLE_DEVICES).
    ///
    /// - Throws: `.unavailable` without a usable driver, `.invalidDevice` for an ordinal that does
    ///   not exist, `.backendFailure` if the driver refuses the context.
    public init(deviceIndex: Int) throws(DeviceMemoryError) {
        let driver = try CUDADriver.shared.get()
        let cuDevice = try driver.device(ordinal: deviceIndex)
        self.driver = driver
        self.cuDevice = cuDevice
        self.device = .cuda(deviceIndex)
        self.deviceName = try driver.name(of: cuDevice)
        self.totalBytes = try driver.totalMemory(of: cuDevice)
        self.computeCapability = try driver.computeCapability(of: cuDevice)
        var context: OpaquePointer?
        try driver.check(
            driver.cuDevicePrimaryCtxRetain(&context, cuDevice), "cuDevicePrimaryCtxRetain(cuda:\(deviceIndex))")
        guard let context else {
            _ = driver.cuDevicePrimaryCtxRelease(cuDevice)
            throw DeviceMemoryError(.backendFailure, "cuDevicePrimaryCtxRetain returned no context for cuda:\(deviceIndex)")
        }
        self.contextBits = UInt(bitPattern: context)
    }

    deinit {
        // Drops this backend's reference; the driver destroys the context (and any memory still
        // in it) only when the last user in the process lets go. Nothing useful can be done with
        // an error here, so it is ignored.
        _ = driver.cuDevicePrimaryCtxRelease(cuDevice)
    }

    var context: OpaquePointer? { OpaquePointer(bitPattern: contextBits) }

    /// Makes this device's context current on the calling thread.
    ///
    /// CUDA keeps the current context per OS thread, and Swift tasks resume on whichever thread
    /// the executor picks, so every method calls this before touching the driver rather than
    /// trusting what an earlier call left behind. It is public for code that launches its own
    /// driver calls against memory from this backend.
    public func makeCurrent() throws(DeviceMemoryError) {
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent(\(device))")
    }

    public func allocate(byteCount: Int) throws(DeviceMemoryError) -> UInt? {
        guard byteCount >= 0 else {
            throw DeviceMemoryError(.invalidConfiguration, "cannot allocate \(byteCount) bytes on \(device)")
        }
        try makeCurrent()
        var address: UInt64 = 0
        // cuMemAlloc rejects 0 bytes with CUDA_ERROR_INVALID_VALUE; give a zero-byte request a
        // real, distinct address instead, as malloc(0) may.
        let result = driver.cuMemAlloc(&address, max(byteCount, 1))
        if result == CUDADriver.errorOutOfMemory { return nil }
        try driver.check(result, "cuMemAlloc_v2(\(byteCount) bytes) on \(device)")
        return UInt(address)
    }

    public func free(address: UInt, byteCount: Int) {
        guard address != 0 else { return }
        // Errors are ignored: free cannot report them, and the only ones possible (a bad pointer,
        // or a context already broken by an earlier fault) leave nothing to undo.
        _ = driver.cuCtxSetCurrent(context)
        // Note [Released while a kernel still reads it]: a tensor returns its block to the cache
        // when the host drops it, which can be before a kernel queued on a worker's stream has
        // read it. Reuse is safe (the next user is queued on the same stream, behind it), but
        // giving the segment back to the driver is not, so wait for queued work first.
        // cuMemFree is documented to synchronise as well; this does not rely on that.
        _ = driver.cuCtxSynchronize()
        _ = driver.cuMemFree(UInt64(address))
    }

    public func free(regions: [(address: UInt, byteCount: Int)]) {
        guard !regions.isEmpty else { return }
        _ = driver.cuCtxSetCurrent(context)
        _ = driver.cuCtxSynchronize()  // see Note [Released while a kernel still reads it]
        for region in regions where region.address != 0 { _ = driver.cuMemFree(UInt64(region.address)) }
    }

    public func memoryInfo() -> DeviceMemoryInfo {
        var free = 0
        var total = 0
        guard driver.cuCtxSetCurrent(context) == CUDADriver.success,
            driver.cuMemGetInfo(&free, &total) == CUDADriver.success
        else {
            // This method cannot throw; report the known capacity with nothing free rather than
            // invent a free figure, since a broken context cannot allocate anyway.
            return DeviceMemoryInfo(freeBytes: 0, totalBytes: totalBytes)
        }
        return DeviceMemoryInfo(freeBytes: free, totalBytes: total)
    }

    /// Sets `byteCount` bytes at `address` to `value` and waits until the device has done so
    /// (`cuMemsetD8` is asynchronous with respect to the host).
    public func fill(address: UInt, byteCount: Int, value: UInt8) throws(DeviceMemoryError) {
        guard byteCount > 0 else { return }
        try makeCurrent()
        try driver.check(driver.cuMemsetD8(UInt64(address), value, byteCount), "cuMemsetD8_v2 on \(device)")
        try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize on \(device)")
    }

    /// Copies `byteCount` bytes starting at device `address` into a new host array.
    public func copyToHost(address: UInt, byteCount: Int) throws(DeviceMemoryError) -> [UInt8] {
        guard byteCount > 0 else { return [] }
        try makeCurrent()
        var result = CUDADriver.success
        let driver = self.driver
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            // A device-to-pageable-host copy returns only once the data is in `buffer`.
            result = driver.cuMemcpyDtoH(buffer.baseAddress, UInt64(address), byteCount)
            initialized = result == CUDADriver.success ? byteCount : 0
        }
        try driver.check(result, "cuMemcpyDtoH_v2(\(byteCount) bytes) on \(device)")
        return bytes
    }

    /// Copies `bytes` to device memory at `address` and waits until they are on the device.
    public func copyFromHost(_ bytes: [UInt8], to address: UInt) throws(DeviceMemoryError) {
        guard !bytes.isEmpty else { return }
        try makeCurrent()
        let driver = self.driver
        let result = bytes.withUnsafeBytes { driver.cuMemcpyHtoD(UInt64(address), $0.baseAddress, $0.count) }
        try driver.check(result, "cuMemcpyHtoD_v2(\(bytes.count) bytes) on \(device)")
        // From pageable memory the call may return once the bytes are staged, before the DMA
        // lands; synchronising makes "returned" mean "on the device" for callers on any stream.
        try synchronize()
    }

    /// Waits until all work queued in this device's context has finished.
    public func synchronize() throws(DeviceMemoryError) {
        try makeCurrent()
        try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize on \(device)")
    }
}
