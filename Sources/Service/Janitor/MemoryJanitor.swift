import DeviceMemory
import Foundation

/// Decides, from samples of device memory and the resident models, what automatic memory care
/// to do now: warnings, cache releases and model unloads under the operator's `MemoryPolicies`.
///
/// The janitor only decides; the caller samples the allocators, carries out the returned
/// actions and writes them to the audit log. It is a value with no clock and no I/O, so it is
/// deterministic: the same policies, state and input always give the same actions.
///
/// Rules common to every policy:
/// - A device whose sample says `isBusy` is never cleaned and none of its models are unloaded;
///   whatever falls due waits for the next evaluation in which the device is free. (Threshold
///   warnings are still raised for a busy device; only its cleanup waits.)
/// - At most one `emptyCache` per device per evaluation. When several policies are due at once
///   the action names the first of idle unload, threshold, schedule, every N jobs, and its
///   reason mentions the others; all of them count as served.
/// - Any cache release on a device — by any policy, or a manual one reported with
///   `recordCleanup(on:at:)` — restarts that device's every-N count.
public struct MemoryJanitor: Sendable {
    /// The policies in force, as validated.
    public private(set) var policies: MemoryPolicies
    /// The reserved share below the threshold at which a warning is withdrawn, so that memory
    /// hovering at the threshold does not raise and withdraw warnings at every evaluation.
    public static let warningMargin = 0.05

    var schedule: CronSchedule?
    var timeZone: TimeZone
    /// Jobs completed per device since its cache was last released.
    var jobsSinceCleanup: [DeviceID: Int] = [:]
    /// When the schedule last fired per device; devices not yet served count from `scheduleEpoch`.
    var lastScheduledRun: [DeviceID: Date] = [:]
    /// When the janitor started, or the schedule last changed: due times before it are not owed.
    var scheduleEpoch: Date
    /// Devices above the warning threshold, with whether the once-per-crossing cleanup is owed.
    var thresholds: [DeviceID: ThresholdState] = [:]

    struct ThresholdState: Sendable {
        var warning: JanitorWarning
        var cleanupPending: Bool
    }

    /// A janitor with validated `policies`, starting at `now` (a schedule counts due times from here).
    public init(policies: MemoryPolicies = .default, now: Date) throws(ServiceError) {
        let validated = try policies.validated()
        self.policies = validated
        self.schedule = try validated.schedule()
        self.timeZone = try validated.timeZone()
        self.scheduleEpoch = now
    }

    /// Replaces the policies (for `PUT /api/system/policies`), keeping what still applies: a
    /// changed schedule or time zone counts due times from `now`, turning every-N off forgets
    /// the counts, turning threshold cleanup off drops owed threshold cleanups. Throws, leaving
    /// everything unchanged, when the new policies do not validate.
    public mutating func update(policies newPolicies: MemoryPolicies, now: Date) throws(ServiceError) {
        let validated = try newPolicies.validated()
        let newSchedule = try validated.schedule()
        let newZone = try validated.timeZone()
        if newSchedule != schedule || newZone.identifier != timeZone.identifier {
            scheduleEpoch = now
            lastScheduledRun = [:]
        }
        if validated.cleanupEveryJobs == 0 { jobsSinceCleanup = [:] }
        if !validated.cleanupOnThreshold {
            for device in thresholds.keys { thresholds[device]?.cleanupPending = false }
        }
        (policies, schedule, timeZone) = (validated, newSchedule, newZone)
    }

    /// The warnings currently showing, in device order.
    public var activeWarnings: [JanitorWarning] {
        thresholds.values.map(\.warning).sorted { $0.device < $1.device }
    }

    /// Jobs completed on `device` since its cache was last released (counted while every-N is on).
    public func jobsSinceCleanup(on device: DeviceID) -> Int { jobsSinceCleanup[device, default: 0] }

    /// When the schedule last fired on `device`, if it has.
    public func lastScheduledCleanup(on device: DeviceID) -> Date? { lastScheduledRun[device] }

    /// When the schedule is next due on `device`; nil when there is no schedule. A time in the
    /// past means the cleanup is owed and runs as soon as the device is free.
    public func nextScheduledCleanup(on device: DeviceID) -> Date? {
        schedule?.next(after: lastScheduledRun[device] ?? scheduleEpoch, in: timeZone)
    }
}
