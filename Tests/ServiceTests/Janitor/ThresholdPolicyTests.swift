import DeviceMemory
import Foundation
import Service
import Testing

/// The threshold policy on a 10 GiB device with an 80 % threshold: warnings once per crossing
/// with hysteresis, and one cleanup per crossing that waits for a free device.
@Suite("Janitor: threshold")
struct ThresholdPolicyTests {
    private let gib = JanitorFixture.gib
    private var policies: MemoryPolicies {
        var policies = JanitorFixture.allOff
        policies.warningFraction = 0.8
        policies.cleanupOnThreshold = true
        return policies
    }

    private func sample(reservedGiB: Double, allocatedGiB: Double, busy: Bool = false) -> DeviceMemorySample {
        JanitorFixture.sample(allocated: Int(allocatedGiB * Double(gib)), reserved: Int(reservedGiB * Double(gib)), busy: busy)
    }

    @Test func warnsAndCleansOncePerCrossingWithHysteresis() throws {
        var harness = try JanitorHarness(policies)
        #expect(harness.tick([sample(reservedGiB: 7.9, allocatedGiB: 6)]).isEmpty)
        let crossing = harness.tick([sample(reservedGiB: 8.5, allocatedGiB: 6)])
        #expect(janitorSummary(crossing) == ["warn cuda:0", "empty cuda:0 threshold"])
        guard case .warn(_, let fraction, let threshold, let suggestion, let reason) = crossing[0] else { Issue.record(); return }
        #expect(fraction == 0.85)
        #expect(threshold == 0.8)
        #expect(suggestion.contains("2.50 GiB is cached on cuda:0 and is being released automatically now"))
        #expect(reason == "cuda:0 reserved 8.50 GiB of 10.00 GiB (85 %), above the 80 % warning threshold; 6.00 GiB allocated, 2.50 GiB cached")
        #expect(harness.janitor.activeWarnings.map(\.device) == [.cuda(0)])

        // Still above, dipping inside the margin, rising again: the same crossing, nothing new.
        #expect(harness.tick([sample(reservedGiB: 8.5, allocatedGiB: 6)]).isEmpty)
        #expect(harness.tick([sample(reservedGiB: 7.6, allocatedGiB: 6)]).isEmpty)
        #expect(harness.tick([sample(reservedGiB: 8.6, allocatedGiB: 6)]).isEmpty)
        #expect(abs((harness.janitor.activeWarnings.first?.reservedFraction ?? 0) - 0.86) < 1e-6)

        // Below 75 % (80 % less the 5 % margin) the warning is withdrawn.
        let cleared = harness.tick([sample(reservedGiB: 7.4, allocatedGiB: 6)])
        #expect(janitorSummary(cleared) == ["clear cuda:0"])
        #expect(cleared[0].reason.contains("back below 75 %"))
        #expect(harness.janitor.activeWarnings.isEmpty)

        // A new crossing warns and cleans again.
        #expect(janitorSummary(harness.tick([sample(reservedGiB: 8.2, allocatedGiB: 6)])) == ["warn cuda:0", "empty cuda:0 threshold"])
    }

    @Test func exactlyAtTheThresholdIsNotAbove() throws {
        var harness = try JanitorHarness(policies)
        #expect(harness.tick([JanitorFixture.sample(allocated: 0, reserved: 8 * gib)]).isEmpty)
        #expect(janitorSummary(harness.tick([JanitorFixture.sample(allocated: 0, reserved: 8 * gib + 1)])) == ["warn cuda:0", "empty cuda:0 threshold"])
    }

    @Test func aBusyDeviceIsWarnedButCleanedOnlyWhenFree() throws {
        var harness = try JanitorHarness(policies)
        let busy = harness.tick([sample(reservedGiB: 9, allocatedGiB: 7, busy: true)])
        #expect(janitorSummary(busy) == ["warn cuda:0"])
        guard case .warn(_, _, _, let suggestion, _) = busy[0] else { Issue.record(); return }
        #expect(suggestion.contains("will be released automatically when the current job finishes"))
        #expect(harness.tick([sample(reservedGiB: 9, allocatedGiB: 7, busy: true)]).isEmpty)
        #expect(janitorSummary(harness.betweenJobs([sample(reservedGiB: 9, allocatedGiB: 5)])) == ["empty cuda:0 threshold"])
        #expect(harness.betweenJobs([sample(reservedGiB: 9, allocatedGiB: 5)]).isEmpty)
    }

    @Test func withCleanupOffOnlyWarns() throws {
        var off = policies
        off.cleanupOnThreshold = false
        var harness = try JanitorHarness(off)
        let actions = harness.tick([sample(reservedGiB: 9, allocatedGiB: 5)])
        #expect(janitorSummary(actions) == ["warn cuda:0"])
        guard case .warn(_, _, _, let suggestion, _) = actions[0] else { Issue.record(); return }
        #expect(suggestion.contains("Clear the cache to return 4.00 GiB"))
        #expect(harness.tick([sample(reservedGiB: 9, allocatedGiB: 5)]).isEmpty)
    }

    @Test func aCleanupWithNothingCachedWaitsForACache() throws {
        var harness = try JanitorHarness(policies)
        let actions = harness.tick([sample(reservedGiB: 9, allocatedGiB: 9)])
        #expect(janitorSummary(actions) == ["warn cuda:0"])
        guard case .warn(_, _, _, let suggestion, _) = actions[0] else { Issue.record(); return }
        #expect(suggestion.contains("Live tensors alone hold 9.00 GiB"))
        // The job ends and leaves its activations in the cache, still above the threshold.
        #expect(janitorSummary(harness.betweenJobs([sample(reservedGiB: 9, allocatedGiB: 3)])) == ["empty cuda:0 threshold"])
        #expect(harness.tick([sample(reservedGiB: 9, allocatedGiB: 3)]).isEmpty)
    }

    @Test func devicesAreJudgedSeparatelyAndInOrder() throws {
        var harness = try JanitorHarness(policies)
        let samples = [
            JanitorFixture.sample(.cuda(1), allocated: 0, reserved: 9 * gib),
            JanitorFixture.sample(.cuda(0), allocated: 0, reserved: 1 * gib),
            JanitorFixture.sample(.cpu, allocated: 0, reserved: 9 * gib, busy: true),
        ]
        #expect(janitorSummary(harness.tick(samples)) == ["warn cpu", "warn cuda:1", "empty cuda:1 threshold"])
        #expect(harness.janitor.activeWarnings.map(\.device) == [.cpu, .cuda(1)])
    }

    @Test func aManualCleanupServesTheOwedThresholdCleanup() throws {
        var harness = try JanitorHarness(policies)
        #expect(janitorSummary(harness.tick([sample(reservedGiB: 9, allocatedGiB: 5, busy: true)])) == ["warn cuda:0"])
        harness.janitor.recordCleanup(on: .cuda(0), at: harness.now)
        #expect(harness.tick([sample(reservedGiB: 9, allocatedGiB: 5)]).isEmpty)
    }

    @Test func raisingTheThresholdWithdrawsAWarningAtTheNextEvaluation() throws {
        var harness = try JanitorHarness(policies)
        #expect(janitorSummary(harness.tick([sample(reservedGiB: 8.5, allocatedGiB: 8.5)])) == ["warn cuda:0"])
        var raised = policies
        raised.warningFraction = 0.95
        try harness.janitor.update(policies: raised, now: harness.now)
        #expect(janitorSummary(harness.tick([sample(reservedGiB: 8.5, allocatedGiB: 8.5)])) == ["clear cuda:0"])
    }

    @Test func samplesComeStraightFromAllocatorNumbers() {
        let sample = DeviceMemorySample(device: .cuda(0), usage: MemoryUsage(allocatedBytes: 3 * gib, reservedBytes: 5 * gib),
                                        memory: DeviceMemoryInfo(freeBytes: 4 * gib, totalBytes: 10 * gib), isBusy: false)
        #expect(sample == JanitorFixture.sample(allocated: 3 * gib, reserved: 5 * gib, total: 10 * gib).withFree(4 * gib))
        #expect(sample.cachedBytes == 2 * gib)
        #expect(sample.reservedFraction == 0.5)
    }
}

extension DeviceMemorySample {
    fileprivate func withFree(_ bytes: Int) -> DeviceMemorySample {
        var copy = self
        copy.deviceFreeBytes = bytes
        return copy
    }
}
