import DeviceMemory

/// A device's memory at one moment: allocated and reserved bytes, and the device's own free and
/// total. The live gauges' samples and the audit log's before and after are made of these.
public struct DeviceUsage: Sendable, Codable, Equatable {
    public var device: DeviceID
    public var allocatedBytes: Int
    public var reservedBytes: Int
    public var deviceFreeBytes: Int
    public var deviceTotalBytes: Int

    public init(device: DeviceID, usage: MemoryUsage, memory: DeviceMemoryInfo) {
        self.device = device
        allocatedBytes = usage.allocatedBytes
        reservedBytes = usage.reservedBytes
        deviceFreeBytes = memory.freeBytes
        deviceTotalBytes = memory.totalBytes
    }

    enum CodingKeys: String, CodingKey {
        case device
        case allocatedBytes = "allocated_bytes"
        case reservedBytes = "reserved_bytes"
        case deviceFreeBytes = "device_free_bytes"
        case deviceTotalBytes = "device_total_bytes"
    }
}
