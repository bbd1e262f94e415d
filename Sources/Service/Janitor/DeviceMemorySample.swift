import DeviceMemory

/// One device's memory at the moment of an evaluation, as its allocator and driver report it.
public struct DeviceMemorySample: Sendable, Equatable {
    public var device: DeviceID
    /// Bytes held by live tensors.
    public var allocatedBytes: Int
    /// Bytes the allocator holds from the device: allocated plus cached.
    public var reservedBytes: Int
    /// The device's total memory (host memory for `cpu`).
    public var deviceTotalBytes: Int
    /// What the device reports free, for every process on it.
    public var deviceFreeBytes: Int
    /// True while a job is running on the device; the janitor never cleans a busy device.
    public var isBusy: Bool

    public init(device: DeviceID, allocatedBytes: Int, reservedBytes: Int, deviceTotalBytes: Int, deviceFreeBytes: Int, isBusy: Bool) {
        self.device = device
        self.allocatedBytes = allocatedBytes
        self.reservedBytes = reservedBytes
        self.deviceTotalBytes = deviceTotalBytes
        self.deviceFreeBytes = deviceFreeBytes
        self.isBusy = isBusy
    }

    /// A sample from an allocator's `usage()` and `deviceMemory()`.
    public init(device: DeviceID, usage: MemoryUsage, memory: DeviceMemoryInfo, isBusy: Bool) {
        self.init(device: device, allocatedBytes: usage.allocatedBytes, reservedBytes: usage.reservedBytes,
                  deviceTotalBytes: memory.totalBytes, deviceFreeBytes: memory.freeBytes, isBusy: isBusy)
    }

    /// What emptying the cache could give back at most.
    public var cachedBytes: Int { max(reservedBytes - allocatedBytes, 0) }

    /// Reserved bytes as a share of the device; 0 when the total is unknown.
    public var reservedFraction: Double {
        deviceTotalBytes > 0 ? Double(reservedBytes) / Double(deviceTotalBytes) : 0
    }
}
