import DeviceMemory
import Foundation
import Service
import Testing

/// The schedule policy with `0 3 * * *`: each due time is served once per device, late or
/// deferred runs happen once, and nothing before the janitor started is owed.
@Suite("Janitor: schedule")
struct SchedulePolicyTests {
    private let devices = [JanitorFixture.sample(.cpu), JanitorFixture.sample(.cuda(0))]
    private func policies(_ schedule: String? = "0 3 * * *", zone: String = "UTC") -> MemoryPolicies {
        var policies = JanitorFixture.allOff
        policies.cleanupSchedule = schedule
        policies.scheduleTimeZone = zone
        return policies
    }
    private func at(_ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
        JanitorFixture.utc(2024, 7, day, hour, minute, second)
    }

    @Test func firesOncePerDueTimeOnEveryDevice() throws {
        var harness = try JanitorHarness(policies())
        #expect(harness.janitor.nextScheduledCleanup(on: .cuda(0)) == at(1, 3))
        harness.advance(to: at(1, 2, 59))
        #expect(harness.tick(devices).isEmpty)
        harness.advance(to: at(1, 3))
        let due = harness.tick(devices)
        #expect(janitorSummary(due) == ["empty cpu schedule", "empty cuda:0 schedule"])
        #expect(due[0].reason == "cleanup schedule '0 3 * * *' was due at 2024-07-01 03:00 UTC")
        harness.advance(to: at(1, 3, 0, 30))
        #expect(harness.tick(devices).isEmpty)
        harness.advance(to: at(1, 3, 1))
        #expect(harness.betweenJobs(devices).isEmpty)
        #expect(harness.janitor.lastScheduledCleanup(on: .cuda(0)) == at(1, 3))
        #expect(harness.janitor.nextScheduledCleanup(on: .cuda(0)) == at(2, 3))
        harness.advance(to: at(2, 3))
        #expect(janitorSummary(harness.tick(devices)) == ["empty cpu schedule", "empty cuda:0 schedule"])
    }

    @Test func aBusyDeviceRunsItsScheduledCleanupWhenFree() throws {
        var harness = try JanitorHarness(policies())
        harness.advance(to: at(1, 3))
        let busy = [JanitorFixture.sample(.cpu), JanitorFixture.sample(.cuda(0), busy: true)]
        #expect(janitorSummary(harness.tick(busy)) == ["empty cpu schedule"])
        harness.advance(to: at(1, 3, 5))
        #expect(harness.tick(busy).isEmpty)
        harness.advance(to: at(1, 3, 20))
        let free = harness.betweenJobs(devices, on: .cuda(0))
        #expect(janitorSummary(free) == ["empty cuda:0 schedule"])
        #expect(free[0].reason == "cleanup schedule '0 3 * * *' was due at 2024-07-01 03:00 UTC, run 20 min late because the device was busy or not checked")
        harness.advance(to: at(1, 3, 30))
        #expect(harness.tick(devices).isEmpty)
        #expect(harness.janitor.nextScheduledCleanup(on: .cuda(0)) == at(2, 3))
    }

    @Test func aLateEvaluationFiresOnceForAllMissedDueTimes() throws {
        var harness = try JanitorHarness(policies())
        harness.advance(to: at(3, 5))   // the 1st, 2nd and 3rd at 03:00 have all passed
        #expect(janitorSummary(harness.tick(devices)) == ["empty cpu schedule", "empty cuda:0 schedule"])
        harness.advance(to: at(3, 5, 1))
        #expect(harness.tick(devices).isEmpty)
        #expect(harness.janitor.nextScheduledCleanup(on: .cpu) == at(4, 3))
    }

    @Test func dueTimesBeforeTheJanitorStartedAreNotOwed() throws {
        var harness = try JanitorHarness(policies(), start: at(1, 3, 30))
        harness.advance(to: at(1, 3, 31))
        #expect(harness.tick(devices).isEmpty)
        #expect(harness.janitor.nextScheduledCleanup(on: .cpu) == at(2, 3))
    }

    @Test func aDeviceSeenLaterIsOwedTheDueTimesSinceTheStart() throws {
        var harness = try JanitorHarness(policies())
        harness.advance(to: at(1, 3))
        #expect(janitorSummary(harness.tick([JanitorFixture.sample(.cpu)])) == ["empty cpu schedule"])
        harness.advance(to: at(1, 4))
        #expect(janitorSummary(harness.tick(devices)) == ["empty cuda:0 schedule"])
    }

    @Test func theScheduleIsReadInItsTimeZone() throws {
        var harness = try JanitorHarness(policies(zone: "Europe/Berlin"))
        harness.advance(to: at(1, 0, 59))
        #expect(harness.tick(devices).isEmpty)
        harness.advance(to: at(1, 1))   // 03:00 in Berlin (CEST)
        let due = harness.tick(devices)
        #expect(janitorSummary(due) == ["empty cpu schedule", "empty cuda:0 schedule"])
        #expect(due[0].reason == "cleanup schedule '0 3 * * *' was due at 2024-07-01 03:00 Europe/Berlin")
    }

    @Test func changingTheScheduleCountsFromTheChange() throws {
        var harness = try JanitorHarness(policies())
        harness.advance(to: at(1, 2))
        try harness.janitor.update(policies: policies("0 1 * * *"), now: harness.now)
        #expect(harness.tick(devices).isEmpty)   // 01:00 today passed before the change
        #expect(harness.janitor.nextScheduledCleanup(on: .cpu) == at(2, 1))
        // The same schedule written differently is not a change.
        try harness.janitor.update(policies: policies("0 1 * * 0-6"), now: at(2, 0, 30))
        harness.advance(to: at(2, 1))
        #expect(janitorSummary(harness.tick(devices)) == ["empty cpu schedule", "empty cuda:0 schedule"])
        try harness.janitor.update(policies: policies(nil), now: harness.now)
        harness.advance(to: at(9, 1))
        #expect(harness.tick(devices).isEmpty)
    }

    @Test func oneReleaseServesEveryPolicyDueAtOnce() throws {
        var both = policies()
        both.cleanupEveryJobs = 2
        both.cleanupMinimumCachedBytes = 0
        var harness = try JanitorHarness(both)
        let cachedGPU = [JanitorFixture.sample(.cuda(0), allocated: 0, reserved: 1 << 30)]
        _ = harness.betweenJobs(cachedGPU)
        harness.advance(to: at(1, 3))
        let actions = harness.betweenJobs(cachedGPU)
        #expect(janitorSummary(actions) == ["empty cuda:0 schedule"])
        #expect(actions[0].reason.contains("also due under every_n_jobs: 2 jobs finished on cuda:0"))
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 0)
    }

    @Test func aManualClearServesAnOwedScheduledCleanup() throws {
        var harness = try JanitorHarness(policies())
        harness.advance(to: at(1, 3))
        #expect(harness.tick([JanitorFixture.sample(.cuda(0), busy: true)]).isEmpty)
        harness.janitor.recordCleanup(on: .cuda(0), at: at(1, 3, 2))
        harness.advance(to: at(1, 3, 10))
        #expect(harness.tick([JanitorFixture.sample(.cuda(0))]).isEmpty)
    }
}
