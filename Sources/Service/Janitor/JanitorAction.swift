import DeviceMemory

/// The policy behind an automatic action, as written in the audit log and events.
public enum PolicyName: String, Sendable, Codable, CaseIterable {
    /// Reserved memory passed the warning fraction of the device.
    case threshold
    /// N jobs completed on the device with enough memory cached.
    case everyNJobs = "every_n_jobs"
    /// The cron schedule fell due.
    case schedule
    /// A model was idle longer than its keep-alive.
    case idleUnload = "idle_unload"
    /// An allocation failed although the cache was released; idle models made way.
    case memoryPressure = "memory_pressure"
}

/// One thing the janitor decided. The caller carries the actions out in the order given
/// (warnings, then model unloads, then cache releases, devices in order) and writes each
/// `reason` to the audit log together with the memory before and after.
public enum JanitorAction: Sendable, Equatable {
    /// Reserved memory crossed above the threshold; show a warning until `clearWarning`.
    case warn(device: DeviceID, reservedFraction: Double, threshold: Double, suggestion: String, reason: String)
    /// Reserved memory fell back below the threshold less its margin; withdraw the warning.
    case clearWarning(device: DeviceID, reason: String)
    /// Release the device's cached, unused segments (`CachingAllocator.emptyCache()`).
    case emptyCache(device: DeviceID, policy: PolicyName, reason: String)
    /// Unload an idle model; always followed by an `emptyCache` of its device.
    case unloadModel(id: String, device: DeviceID, policy: PolicyName, reason: String)

    /// The device the action concerns.
    public var device: DeviceID {
        switch self {
        case .warn(let device, _, _, _, _), .clearWarning(let device, _), .emptyCache(let device, _, _),
             .unloadModel(_, let device, _, _):
            device
        }
    }

    /// The policy behind the action; warnings belong to the threshold policy.
    public var policy: PolicyName {
        switch self {
        case .warn, .clearWarning: .threshold
        case .emptyCache(_, let policy, _), .unloadModel(_, _, let policy, _): policy
        }
    }

    /// A sentence for the audit log saying why the janitor acted.
    public var reason: String {
        switch self {
        case .warn(_, _, _, _, let reason), .clearWarning(_, let reason), .emptyCache(_, _, let reason),
             .unloadModel(_, _, _, let reason):
            reason
        }
    }
}
