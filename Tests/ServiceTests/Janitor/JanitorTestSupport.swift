import DeviceMemory
import Foundation
import Service

/// Sizes and dates for the janitor tests.
enum JanitorFixture {
    static let mib = 1 << 20
    static let gib = 1 << 30

    /// An instant written in ISO 8601 with an explicit offset, `2024-10-27T02:30:00+02:00`, so
    /// that times in a repeated hour are unambiguous.
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { fatalError("bad test date \(text)") }
        return date
    }

    /// An instant given as UTC wall-clock fields.
    static func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components) else { fatalError("bad test date") }
        return date
    }

    static func sample(
        _ device: DeviceID = .cuda(0), allocated: Int = 0, reserved: Int = 0, total: Int = 10 << 30, busy: Bool = false
    ) -> DeviceMemorySample {
        DeviceMemorySample(device: device, allocatedBytes: allocated, reservedBytes: reserved,
                           deviceTotalBytes: total, deviceFreeBytes: total - reserved, isBusy: busy)
    }

    /// Policies with every policy off, for tests that turn on only the one they exercise.
    static let allOff = MemoryPolicies(
        warningFraction: 1, cleanupOnThreshold: false, cleanupEveryJobs: 0, cleanupMinimumCachedBytes: 0,
        cleanupSchedule: nil, scheduleTimeZone: "UTC", idleUnloadSeconds: nil)
}

/// A janitor driven by an injected clock: the test moves time forward and asks for decisions.
struct JanitorHarness {
    private(set) var now: Date
    var janitor: MemoryJanitor

    init(_ policies: MemoryPolicies, start: Date = JanitorFixture.utc(2024, 7, 1)) throws {
        now = start
        janitor = try MemoryJanitor(policies: policies, now: start)
    }

    mutating func advance(seconds: Double) { now = now.addingTimeInterval(seconds) }
    mutating func advance(to date: Date) { now = date }

    /// A worker finished `jobs` jobs on `device`.
    mutating func betweenJobs(
        _ samples: [DeviceMemorySample], on device: DeviceID = .cuda(0), jobs: Int = 1, models: [ResidentModel] = []
    ) -> [JanitorAction] {
        janitor.evaluate(JanitorInput(now: now, trigger: .betweenJobs(device: device, jobsCompleted: jobs), devices: samples, models: models))
    }

    /// The periodic tick.
    mutating func tick(_ samples: [DeviceMemorySample], models: [ResidentModel] = []) -> [JanitorAction] {
        janitor.evaluate(JanitorInput(now: now, trigger: .timer, devices: samples, models: models))
    }
}

/// Actions in a compact form for comparisons: `warn cuda:0`, `clear cuda:0`,
/// `empty cuda:0 threshold`, `unload tiny cuda:0`. Reasons are checked separately.
func janitorSummary(_ actions: [JanitorAction]) -> [String] {
    actions.map { action in
        switch action {
        case .warn(let device, _, _, _, _): "warn \(device)"
        case .clearWarning(let device, _): "clear \(device)"
        case .emptyCache(let device, let policy, _): "empty \(device) \(policy.rawValue)"
        case .unloadModel(let id, let device, _, _): "unload \(id) \(device)"
        }
    }
}
