import DeviceMemory
import Synchronization

/// Page-locked host memory, which the GPU reads and writes by DMA without a staging copy.
///
/// Used for what goes back and forth on every decoding step (the logits), where the staging
/// copy of pageable memory would add latency. Page-locked memory is taken from the host's
/// usable RAM, so every live buffer is counted per device (``heldBytes(for:)``), and the
/// memory report shows it beside the device's own figures.
public final class PinnedHostBuffer: @unchecked Sendable {
    // @unchecked: the pointer is fixed; users are serialised by the worker that owns the buffer.
    public let memory: CUDAMemory
    public let byteCount: Int
    public let pointer: UnsafeMutableRawPointer

    public init(byteCount: Int, memory: CUDAMemory) throws(DeviceMemoryError) {
        self.memory = memory
        self.byteCount = byteCount
        try memory.makeCurrent()
        var pointer: UnsafeMutableRawPointer?
        let driver = memory.driver
        let result = driver.compute.cuMemHostAlloc(&pointer, max(byteCount, 1), 0)
        if result == CUDADriver.errorOutOfMemory {
            throw DeviceMemoryError(.outOfMemory, "cannot page-lock \(byteCount) bytes of host memory for \(memory.device) transfers")
        }
        try driver.check(result, "cuMemHostAlloc(\(byteCount) bytes)")
        guard let pointer else { throw DeviceMemoryError(.backendFailure, "cuMemHostAlloc returned no memory") }
        self.pointer = pointer
        Self.held.withLock { $0[memory.device, default: 0] += byteCount }
    }

    deinit {
        _ = memory.driver.cuCtxSetCurrent(memory.context)
        _ = memory.driver.compute.cuMemFreeHost(pointer)
        Self.held.withLock { $0[memory.device, default: 0] -= byteCount }
    }

    private static let held = Mutex<[DeviceID: Int]>([:])

    /// Page-locked host bytes held for transfers to and from `device`, by every live buffer.
    public static func heldBytes(for device: DeviceID) -> Int {
        held.withLock { $0[device] ?? 0 }
    }
}
