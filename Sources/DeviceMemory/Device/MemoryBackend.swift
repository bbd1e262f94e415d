/// What a device must provide for the caching allocator to run on it: allocate bytes, free them,
/// and say how much memory the device has. Everything else — pools, splitting, statistics,
/// limits, history — sits above this protocol, so one tested allocator serves the host and
/// every GPU alike.
///
/// The allocator serialises its calls into a backend (it holds its lock while calling), so a
/// backend needs no locking of its own for the allocator's sake; it must still be `Sendable`
/// because several allocators, or a diagnostic command, may query `memoryInfo()` concurrently.
public protocol MemoryBackend: Sendable {
    /// The device this backend allocates on.
    var device: DeviceID { get }

    /// A human-readable device name for reports, such as "NVIDIA H200" or "host memory".
    var deviceName: String { get }

    /// Allocates `byteCount` bytes of device memory.
    ///
    /// - Returns: the address of the new region, or `nil` when the device is out of memory. Out
    ///   of memory is an expected outcome that the allocator recovers from (by releasing its
    ///   cache and retrying), so it is not thrown.
    /// - Throws: ``DeviceMemoryError`` for any other failure of the device runtime.
    func allocate(byteCount: Int) throws(DeviceMemoryError) -> UInt?

    /// Returns a region obtained from `allocate(byteCount:)` to the device.
    func free(address: UInt, byteCount: Int)

    /// Returns many regions at once (`emptyCache` releases its segments this way), so that a
    /// backend can merge neighbouring ones into fewer calls to the device. The default frees
    /// them one by one.
    func free(regions: [(address: UInt, byteCount: Int)])

    /// Called after `emptyCache`, outside the allocator's lock: gives back whatever else the
    /// device keeps free on the process's behalf. The default does nothing.
    func releaseIdleMemory()

    /// The device's free and total bytes as the device itself reports them (for a GPU, what
    /// the driver says, which includes memory held by other processes).
    func memoryInfo() -> DeviceMemoryInfo
}

extension MemoryBackend {
    public func free(regions: [(address: UInt, byteCount: Int)]) {
        for region in regions { free(address: region.address, byteCount: region.byteCount) }
    }

    public func releaseIdleMemory() {}
}

/// Free and total bytes of a device, as the device reports them.
public struct DeviceMemoryInfo: Sendable, Codable, Equatable {
    public var freeBytes: Int
    public var totalBytes: Int

    public init(freeBytes: Int, totalBytes: Int) {
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }

    public var usedBytes: Int { totalBytes - freeBytes }

    enum CodingKeys: String, CodingKey {
        case freeBytes = "free_bytes"
        case totalBytes = "total_bytes"
    }
}

/// A backend whose memory the host can write and read: directly for host memory, by copies
/// through the driver for a GPU. Lets checks prove that live blocks keep their contents.
public protocol HostAccessibleMemory: MemoryBackend {
    /// Sets `byteCount` bytes at `address` to `value`, and waits until that is done.
    func fill(address: UInt, byteCount: Int, value: UInt8) throws(DeviceMemoryError)
    /// Copies `byteCount` bytes at `address` to the host.
    func copyToHost(address: UInt, byteCount: Int) throws(DeviceMemoryError) -> [UInt8]
}
