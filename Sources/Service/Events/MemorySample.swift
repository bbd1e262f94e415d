import DeviceMemory
import Foundation

/// What the live gauges show, sent every second: per opened device, allocated and reserved
/// bytes and the device's own free and total.
public struct MemorySample: Codable, Sendable {
    public var time: Date
    public var devices: [DeviceUsage]

    public init(time: Date, devices: [DeviceUsage]) {
        self.time = time
        self.devices = devices
    }
}

extension MemoryControl {
    /// The figures of every opened device now.
    public func sample(at time: Date = Date()) -> MemorySample {
        MemorySample(time: time, devices: usage())
    }
}
