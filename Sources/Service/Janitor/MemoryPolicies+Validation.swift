import Foundation

/// Checks on the policies, with messages that name the snake_case field and say what is
/// accepted: they reach the operator as the body of an HTTP 400.
extension MemoryPolicies {
    /// The policies, checked and tidied: a schedule of blanks becomes nil (off) and surrounding
    /// blanks are trimmed. Throws for the first field that is out of range or does not parse.
    public func validated() throws(ServiceError) -> MemoryPolicies {
        var policies = self
        guard warningFraction.isFinite, warningFraction > 0, warningFraction <= 1 else {
            throw ServiceError.invalidPolicy(
                "warning_fraction must be greater than 0 and at most 1, for example 0.8 to warn at 80 % of the device (got \(warningFraction))",
                field: CodingKeys.warningFraction.rawValue)
        }
        guard cleanupEveryJobs >= 0 else {
            throw ServiceError.invalidPolicy(
                "cleanup_every_jobs must be 0 (off) or a number of jobs such as 3 (got \(cleanupEveryJobs))",
                field: CodingKeys.cleanupEveryJobs.rawValue)
        }
        guard cleanupMinimumCachedBytes >= 0 else {
            throw ServiceError.invalidPolicy(
                "cleanup_minimum_cached_bytes must be 0 or more bytes, for example 268435456 for 256 MiB (got \(cleanupMinimumCachedBytes))",
                field: CodingKeys.cleanupMinimumCachedBytes.rawValue)
        }
        if let seconds = idleUnloadSeconds, !(seconds.isFinite && seconds >= 0) {
            throw ServiceError.invalidPolicy(
                "idle_unload_seconds must be 0 (unload after each job), a number of seconds such as 300, or null (never unload) (got \(seconds))",
                field: CodingKeys.idleUnloadSeconds.rawValue)
        }
        _ = try timeZone()
        policies.cleanupSchedule = cleanupSchedule?.trimmingCharacters(in: .whitespaces)
        if policies.cleanupSchedule?.isEmpty == true { policies.cleanupSchedule = nil }
        _ = try policies.schedule()
        return policies
    }

    /// The parsed cleanup schedule, nil when the policy is off.
    public func schedule() throws(ServiceError) -> CronSchedule? {
        guard let text = cleanupSchedule else { return nil }
        do {
            return try CronSchedule(parsing: text)
        } catch {
            throw ServiceError.invalidPolicy("cleanup_schedule '\(text)': \(error.message)",
                field: CodingKeys.cleanupSchedule.rawValue)
        }
    }

    /// The time zone the schedule is read in.
    public func timeZone() throws(ServiceError) -> TimeZone {
        guard let zone = TimeZone(identifier: scheduleTimeZone) else {
            throw ServiceError.invalidPolicy(
                "schedule_time_zone '\(scheduleTimeZone)' is not a known time zone; use an IANA name such as UTC, Europe/Berlin or America/New_York",
                field: CodingKeys.scheduleTimeZone.rawValue)
        }
        return zone
    }
}
