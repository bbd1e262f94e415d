import Foundation

/// Where the server reads the time, and how often the janitor's timer looks at it. Tests give
/// their own, to make schedules and idle times fall due without waiting for them.
public struct ServerClock: Sendable {
    public var now: @Sendable () -> Date
    /// The period of the janitor's timer (schedule, idle unload, thresholds).
    public var careInterval: Duration
    /// How often old history and audit entries are pruned.
    public var retentionInterval: Duration

    public init(now: @escaping @Sendable () -> Date, careInterval: Duration, retentionInterval: Duration = .seconds(3600)) {
        self.now = now
        self.careInterval = careInterval
        self.retentionInterval = retentionInterval
    }

    public static let system = ServerClock(now: Date.init, careInterval: .seconds(5))
}
