import Foundation
import Service
import Testing

/// The policy settings: defaults, validation messages, and their JSON form.
@Suite("Memory policies")
struct MemoryPoliciesTests {
    @Test func defaults() throws {
        let policies = MemoryPolicies.default
        #expect(policies.warningFraction == 0.8)
        #expect(policies.cleanupOnThreshold)
        #expect(policies.cleanupEveryJobs == 3)
        #expect(policies.cleanupMinimumCachedBytes == 256 << 20)
        #expect(policies.cleanupSchedule == nil)
        #expect(policies.scheduleTimeZone == "UTC")
        #expect(policies.idleUnloadSeconds == 300)
        #expect(try policies.validated() == policies)
    }

    @Test(arguments: [
        (MemoryPolicies(warningFraction: 0), "warning_fraction",
         "warning_fraction must be greater than 0 and at most 1, for example 0.8 to warn at 80 % of the device (got 0.0)"),
        (MemoryPolicies(warningFraction: 1.5), "warning_fraction",
         "warning_fraction must be greater than 0 and at most 1, for example 0.8 to warn at 80 % of the device (got 1.5)"),
        (MemoryPolicies(warningFraction: .nan), "warning_fraction",
         "warning_fraction must be greater than 0 and at most 1, for example 0.8 to warn at 80 % of the device (got nan)"),
        (MemoryPolicies(cleanupEveryJobs: -1), "cleanup_every_jobs",
         "cleanup_every_jobs must be 0 (off) or a number of jobs such as 3 (got -1)"),
        (MemoryPolicies(cleanupMinimumCachedBytes: -1), "cleanup_minimum_cached_bytes",
         "cleanup_minimum_cached_bytes must be 0 or more bytes, for example 268435456 for 256 MiB (got -1)"),
        (MemoryPolicies(idleUnloadSeconds: -5), "idle_unload_seconds",
         "idle_unload_seconds must be 0 (unload after each job), a number of seconds such as 300, or null (never unload) (got -5.0)"),
        (MemoryPolicies(idleUnloadSeconds: .infinity), "idle_unload_seconds",
         "idle_unload_seconds must be 0 (unload after each job), a number of seconds such as 300, or null (never unload) (got inf)"),
        (MemoryPolicies(cleanupSchedule: "61 * * * *"), "cleanup_schedule",
         "cleanup_schedule '61 * * * *': minute field '61': values must be 0–59"),
        (MemoryPolicies(cleanupSchedule: "0 3 * *"), "cleanup_schedule",
         "cleanup_schedule '0 3 * *': '0 3 * *' has 4 fields; a schedule has five: minute hour day-of-month month day-of-week, for example '0 3 * * *'"),
        (MemoryPolicies(scheduleTimeZone: "Mars/Olympus"), "schedule_time_zone",
         "schedule_time_zone 'Mars/Olympus' is not a known time zone; use an IANA name such as UTC, Europe/Berlin or America/New_York"),
    ])
    func invalidValuesNameTheirField(policies: MemoryPolicies, field: String, message: String) {
        let error = #expect(throws: ServiceError.self) { try policies.validated() }
        #expect(error?.field == field)
        #expect(error?.apiCode == "invalid_policy")
        #expect(error?.message == message)
    }

    @Test func validationTidiesTheSchedule() throws {
        #expect(try MemoryPolicies(cleanupSchedule: "  0 3 * * * ").validated().cleanupSchedule == "0 3 * * *")
        #expect(try MemoryPolicies(cleanupSchedule: "   ").validated().cleanupSchedule == nil)
        #expect(try MemoryPolicies(cleanupSchedule: "@daily").validated().schedule() == CronSchedule(parsing: "0 0 * * *"))
        #expect(try MemoryPolicies(idleUnloadSeconds: nil).validated().idleUnloadSeconds == nil)
        #expect(try MemoryPolicies(warningFraction: 1).validated().warningFraction == 1)
    }

    @Test func jsonUsesSnakeCaseKeysAndWritesNulls() throws {
        let data = try JSONEncoder().encode(MemoryPolicies.default)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == [
            "warning_fraction", "cleanup_on_threshold", "cleanup_every_jobs", "cleanup_minimum_cached_bytes",
            "cleanup_schedule", "schedule_time_zone", "idle_unload_seconds", "unload_idle_on_pressure",
        ])
        #expect(object["unload_idle_on_pressure"] as? Bool == true)
        #expect(object["cleanup_schedule"] is NSNull)
        #expect(object["warning_fraction"] as? Double == 0.8)
        #expect(object["cleanup_minimum_cached_bytes"] as? Int == 256 << 20)
        #expect(object["idle_unload_seconds"] as? Double == 300)
    }

    @Test(arguments: [
        MemoryPolicies.default,
        MemoryPolicies(warningFraction: 0.9, cleanupOnThreshold: false, cleanupEveryJobs: 0, cleanupMinimumCachedBytes: 0,
                       cleanupSchedule: "30 2 * * 1-5", scheduleTimeZone: "Europe/Berlin", idleUnloadSeconds: nil),
        MemoryPolicies(cleanupSchedule: "@daily", idleUnloadSeconds: 0),
    ])
    func jsonRoundTrip(policies: MemoryPolicies) throws {
        let decoded = try JSONDecoder().decode(MemoryPolicies.self, from: JSONEncoder().encode(policies))
        #expect(decoded == policies)
    }

    @Test func absentKeysTakeDefaultsAndNullTurnsOff() throws {
        let partial = try JSONDecoder().decode(MemoryPolicies.self, from: Data(#"{"warning_fraction": 0.9}"#.utf8))
        #expect(partial == MemoryPolicies(warningFraction: 0.9))
        let never = try JSONDecoder().decode(MemoryPolicies.self, from: Data(#"{"idle_unload_seconds": null}"#.utf8))
        #expect(never.idleUnloadSeconds == nil)
        let empty = try JSONDecoder().decode(MemoryPolicies.self, from: Data("{}".utf8))
        #expect(empty == .default)
    }

    @Test func aBaseInUserInfoTurnsADocumentIntoAChange() throws {
        let current = MemoryPolicies(cleanupEveryJobs: 10, cleanupSchedule: "0 3 * * *")
        let decoder = JSONDecoder()
        decoder.userInfo[MemoryPolicies.baseUserInfoKey] = current
        let changed = try decoder.decode(MemoryPolicies.self, from: Data(#"{"cleanup_schedule": null, "warning_fraction": 0.7}"#.utf8))
        #expect(changed == MemoryPolicies(warningFraction: 0.7, cleanupEveryJobs: 10, cleanupSchedule: nil))
    }

    @Test func unknownKeysAreRejectedByName() {
        let error = #expect(throws: ServiceError.self) {
            try JSONDecoder().decode(MemoryPolicies.self, from: Data(#"{"warning_fracton": 0.9}"#.utf8))
        }
        #expect(error?.apiCode == "invalid_policy")
        #expect(error?.field == "warning_fracton")
        #expect(error?.message == "'warning_fracton' is not a memory policy; the policies are warning_fraction, cleanup_on_threshold, cleanup_every_jobs, cleanup_minimum_cached_bytes, cleanup_schedule, schedule_time_zone, idle_unload_seconds, unload_idle_on_pressure")
    }

    @Test func wrongTypesAreDecodingErrors() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MemoryPolicies.self, from: Data(#"{"cleanup_every_jobs": "three"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MemoryPolicies.self, from: Data(#"{"warning_fraction": null}"#.utf8))
        }
    }

    @Test func theJanitorRefusesInvalidPolicies() {
        let error = #expect(throws: ServiceError.self) {
            try MemoryJanitor(policies: MemoryPolicies(cleanupSchedule: "0 25 * * *"), now: Date(timeIntervalSince1970: 0))
        }
        #expect(error?.field == "cleanup_schedule")
    }
}
