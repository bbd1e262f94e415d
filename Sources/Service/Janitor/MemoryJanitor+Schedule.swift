import DeviceMemory
import Foundation

/// The schedule policy: release every device's cache at the times of a cron expression.
extension MemoryJanitor {
    /// The reason for a scheduled cleanup when a due time has passed on this device.
    ///
    /// A due time is served once: whether the evaluation comes on time, late, or after the
    /// device was busy, the cleanup runs once and the next due time is counted from that run,
    /// so due times missed in between are not made up one by one.
    func scheduleCleanupReason(for device: DeviceID, now: Date) -> String? {
        guard let schedule, let due = nextScheduledCleanup(on: device), due <= now else { return nil }
        let expression = policies.cleanupSchedule ?? schedule.description
        let lateness = now.timeIntervalSince(due)
        let late = lateness >= 60 ? ", run \(JanitorText.duration(lateness)) late because the device was busy or not checked" : ""
        return "cleanup schedule '\(expression)' was due at \(JanitorText.wallClock(due, in: timeZone, named: policies.scheduleTimeZone))\(late)"
    }
}
