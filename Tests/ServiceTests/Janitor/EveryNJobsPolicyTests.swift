import DeviceMemory
import Foundation
import Service
import Testing

/// The every-N-jobs policy with N = 3 and a 256 MiB minimum: it counts completed jobs per
/// device, cleans only when enough is cached, and restarts its count after any cleanup.
@Suite("Janitor: every N jobs")
struct EveryNJobsPolicyTests {
    private let mib = JanitorFixture.mib
    private var policies: MemoryPolicies {
        var policies = JanitorFixture.allOff
        policies.cleanupEveryJobs = 3
        policies.cleanupMinimumCachedBytes = 256 << 20
        return policies
    }

    private func cached(_ megabytes: Int, _ device: DeviceID = .cuda(0), busy: Bool = false) -> DeviceMemorySample {
        JanitorFixture.sample(device, allocated: 1000 * mib, reserved: (1000 + megabytes) * mib, busy: busy)
    }

    @Test func firesAtTheNthJobAndStartsCountingAgain() throws {
        var harness = try JanitorHarness(policies)
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 2)
        let third = harness.betweenJobs([cached(512)])
        #expect(janitorSummary(third) == ["empty cuda:0 every_n_jobs"])
        #expect(third[0].reason == "3 jobs finished on cuda:0 since its last cleanup (policy: every 3) and 512.00 MiB is cached, more than the 256.00 MiB minimum")
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 0)
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(janitorSummary(harness.betweenJobs([cached(512)])) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func waitsForTheCacheToExceedTheMinimum() throws {
        var harness = try JanitorHarness(policies)
        _ = harness.betweenJobs([cached(100)])
        _ = harness.betweenJobs([cached(100)])
        #expect(harness.betweenJobs([cached(100)]).isEmpty)
        #expect(harness.betweenJobs([cached(256)]).isEmpty)   // equal to the minimum is not more
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 4)
        #expect(janitorSummary(harness.betweenJobs([cached(300)])) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func timerTicksNeverCountJobs() throws {
        var harness = try JanitorHarness(policies)
        for _ in 0..<10 { #expect(harness.tick([cached(512)]).isEmpty) }
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 0)
    }

    @Test func aBatchCanReportSeveralJobs() throws {
        var harness = try JanitorHarness(policies)
        #expect(janitorSummary(harness.betweenJobs([cached(512)], jobs: 3)) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func devicesCountSeparately() throws {
        var harness = try JanitorHarness(policies)
        let both = [cached(512, .cuda(0)), cached(512, .cuda(1))]
        _ = harness.betweenJobs(both, on: .cuda(0))
        _ = harness.betweenJobs(both, on: .cuda(1))
        _ = harness.betweenJobs(both, on: .cuda(0))
        #expect(janitorSummary(harness.betweenJobs(both, on: .cuda(0))) == ["empty cuda:0 every_n_jobs"])
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(1)) == 1)
    }

    @Test func anyCleanupRestartsTheCount() throws {
        var harness = try JanitorHarness(policies)
        _ = harness.betweenJobs([cached(512)])
        _ = harness.betweenJobs([cached(512)])
        harness.janitor.recordCleanup(on: .cuda(0), at: harness.now)   // the operator pressed "Clear cache"
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(janitorSummary(harness.betweenJobs([cached(512)])) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func aThresholdCleanupRestartsTheCount() throws {
        var withThreshold = policies
        withThreshold.warningFraction = 0.8
        withThreshold.cleanupOnThreshold = true
        var harness = try JanitorHarness(withThreshold)
        let gib = JanitorFixture.gib
        _ = harness.betweenJobs([cached(512)])
        let hot = JanitorFixture.sample(allocated: 5 * gib, reserved: 9 * gib)
        #expect(janitorSummary(harness.betweenJobs([hot])) == ["warn cuda:0", "empty cuda:0 threshold"])
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 0)
        #expect(janitorSummary(harness.betweenJobs([cached(512)])) == ["clear cuda:0"])
        #expect(harness.betweenJobs([cached(512)]).isEmpty)
        #expect(janitorSummary(harness.betweenJobs([cached(512)])) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func aBusyDeviceDefersTheCleanup() throws {
        var harness = try JanitorHarness(policies)
        _ = harness.betweenJobs([cached(512)])
        _ = harness.betweenJobs([cached(512)])
        // The worker already started the next job when the janitor looked.
        #expect(harness.betweenJobs([cached(512, busy: true)]).isEmpty)
        #expect(janitorSummary(harness.tick([cached(512)])) == ["empty cuda:0 every_n_jobs"])
    }

    @Test func zeroTurnsThePolicyOff() throws {
        var off = policies
        off.cleanupEveryJobs = 0
        var harness = try JanitorHarness(off)
        for _ in 0..<20 { #expect(harness.betweenJobs([cached(4096)]).isEmpty) }
    }
}
