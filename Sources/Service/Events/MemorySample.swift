import DeviceMemory
import Foundation

/// What the live gauges show, sent every second: per opened device, allocated and reserved
/// bytes and the device's own free and total.
public struct MemorySample: Codable, Sendable {
    public struct Device: Codable, Sendable {
        public var device: DeviceID
        public var allocatedBytes: Int
        public var reservedBytes: Int
        public var deviceFreeBytes: Int
        public var deviceTotalBytes: Int

        enum CodingKeys: String, CodingKey {
            case device
            case allocatedBytes = "allocated_bytes"
            case reservedBytes = "reserved_bytes"
            case deviceFreeBytes = "device_free_bytes"
            case deviceTotalBytes = "device_total_bytes"
        }
    }

    public var time: Date
    public var devices: [Device]

    public init(time: Date, devices: [Device]) {
        self.time = time
        self.devices = devices
    }
}

extension MemoryControl {
    /// The figures of every opened device now.
    public func sample(at time: Date = Date()) -> MemorySample {
        MemorySample(time: time, devices: allocators.devices.compactMap { device in
            guard let allocator = allocators.openedAllocator(for: device) else { return nil }
            let usage = allocator.usage(), info = allocator.deviceMemory()
            return MemorySample.Device(device: device, allocatedBytes: usage.allocatedBytes, reservedBytes: usage.reservedBytes,
                                       deviceFreeBytes: info.freeBytes, deviceTotalBytes: info.totalBytes)
        })
    }
}
