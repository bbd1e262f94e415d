import DeviceMemory
import Foundation

/// Everything the janitor looks at in one evaluation. The janitor reads no clock and no
/// allocator itself: the caller samples them and passes the values in, so every decision can be
/// replayed in a test with made-up times and numbers.
public struct JanitorInput: Sendable {
    /// The current time, from the caller's clock.
    public var now: Date
    /// Why the janitor is being asked.
    public var trigger: JanitorTrigger
    /// One sample per device the janitor may act on; a device with no sample is left alone.
    public var devices: [DeviceMemorySample]
    /// The models currently resident on any device.
    public var models: [ResidentModel]

    public init(now: Date, trigger: JanitorTrigger, devices: [DeviceMemorySample], models: [ResidentModel] = []) {
        self.now = now
        self.trigger = trigger
        self.devices = devices
        self.models = models
    }
}

/// Why an evaluation happens.
public enum JanitorTrigger: Sendable, Equatable {
    /// A device's worker finished `jobsCompleted` jobs since its previous between-jobs call
    /// (normally 1; a batch may report several at once) and is about to take the next one.
    case betweenJobs(device: DeviceID, jobsCompleted: Int)
    /// The periodic tick (for schedules, idle models and warnings on quiet devices).
    case timer
}
