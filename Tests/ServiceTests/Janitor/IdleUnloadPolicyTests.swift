import DeviceMemory
import Foundation
import Service
import Testing

/// The idle-unload policy with a 300 s keep-alive: per-model overrides, models in use, busy
/// devices, and the cache release that must follow every unload.
@Suite("Janitor: idle unload")
struct IdleUnloadPolicyTests {
    private let start = JanitorFixture.utc(2024, 7, 1, 12)
    private let devices = [JanitorFixture.sample(.cpu), JanitorFixture.sample(.cuda(0))]
    private func policies(idle: Double?) -> MemoryPolicies {
        var policies = JanitorFixture.allOff
        policies.idleUnloadSeconds = idle
        return policies
    }
    private func model(_ id: String, _ device: DeviceID = .cuda(0), keepAlive: Double? = nil, inUse: Bool = false) -> ResidentModel {
        ResidentModel(id: id, device: device, lastUsed: start, keepAliveSeconds: keepAlive, isInUse: inUse)
    }

    @Test func unloadsAfterTheKeepAliveAndThenReleasesTheCache() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        harness.advance(seconds: 299)
        #expect(harness.tick(devices, models: [model("tiny")]).isEmpty)
        harness.advance(seconds: 1)
        let actions = harness.tick(devices, models: [model("tiny")])
        #expect(janitorSummary(actions) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
        #expect(actions[0].policy == .idleUnload)
        #expect(actions[0].reason == "model 'tiny' on cuda:0 unused for 5 min, keep-alive 5 min (idle_unload_seconds)")
        #expect(actions[1].reason == "returning the memory of unloaded model 'tiny' to the device")
    }

    @Test func aRequestKeepAliveOverridesThePolicy() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        let models = [model("short", keepAlive: 60), model("default"), model("long", keepAlive: 3600)]
        harness.advance(seconds: 60)
        let first = harness.tick(devices, models: models)
        #expect(janitorSummary(first) == ["unload short cuda:0", "empty cuda:0 idle_unload"])
        #expect(first[0].reason == "model 'short' on cuda:0 unused for 1 min, keep-alive 1 min (the keep_alive of its last request)")
        harness.advance(seconds: 240)
        #expect(janitorSummary(harness.tick(devices, models: Array(models.dropFirst()))) == ["unload default cuda:0", "empty cuda:0 idle_unload"])
        harness.advance(seconds: 3299)
        #expect(harness.tick(devices, models: [models[2]]).isEmpty)
        harness.advance(seconds: 1)
        #expect(janitorSummary(harness.tick(devices, models: [models[2]])) == ["unload long cuda:0", "empty cuda:0 idle_unload"])
    }

    @Test func zeroUnloadsRightAfterTheJob() throws {
        var harness = try JanitorHarness(policies(idle: 0), start: start)
        #expect(janitorSummary(harness.betweenJobs(devices, models: [model("tiny")])) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
        var never = try JanitorHarness(policies(idle: nil), start: start)
        #expect(janitorSummary(never.betweenJobs(devices, models: [model("tiny", keepAlive: 0)])) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
    }

    @Test func nilNeverUnloadsUnlessARequestSaysSo() throws {
        var harness = try JanitorHarness(policies(idle: nil), start: start)
        harness.advance(seconds: 7 * 86_400)
        #expect(harness.tick(devices, models: [model("tiny")]).isEmpty)
        #expect(janitorSummary(harness.tick(devices, models: [model("tiny", keepAlive: 10)])) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
    }

    @Test func aNegativeOrInfiniteKeepAliveKeepsTheModel() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        harness.advance(seconds: 30 * 86_400)
        #expect(harness.tick(devices, models: [model("pinned", keepAlive: -1), model("forever", keepAlive: .infinity)]).isEmpty)
    }

    @Test func aModelInUseIsNeverUnloaded() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        harness.advance(seconds: 86_400)
        #expect(harness.tick(devices, models: [model("tiny", inUse: true), model("base", .cpu, keepAlive: 0, inUse: true)]).isEmpty)
    }

    @Test func aBusyDeviceKeepsItsModelsUntilFree() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        harness.advance(seconds: 600)
        let busy = [JanitorFixture.sample(.cpu), JanitorFixture.sample(.cuda(0), busy: true)]
        let models = [model("tiny"), model("base", .cpu)]
        #expect(janitorSummary(harness.tick(busy, models: models)) == ["unload base cpu", "empty cpu idle_unload"])
        #expect(janitorSummary(harness.betweenJobs(devices, on: .cuda(0), models: [model("tiny")])) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
    }

    @Test func allUnloadsComeBeforeTheReleasesAndEachDeviceIsReleasedOnce() throws {
        var harness = try JanitorHarness(policies(idle: 300), start: start)
        harness.advance(seconds: 300)
        let models = [model("small"), model("base", .cpu), model("large"), model("medium", .cuda(1))]
        let actions = harness.tick(devices, models: models)
        #expect(janitorSummary(actions) == [
            "unload base cpu", "unload large cuda:0", "unload small cuda:0",
            "empty cpu idle_unload", "empty cuda:0 idle_unload",
        ])
        #expect(actions[4].reason == "returning the memory of unloaded models 'large', 'small' to the device")
    }

    @Test func anUnloadReleaseAlsoServesOtherDuePolicies() throws {
        var both = policies(idle: 0)
        both.cleanupEveryJobs = 1
        var harness = try JanitorHarness(both, start: start)
        let actions = harness.betweenJobs([JanitorFixture.sample(.cuda(0), allocated: 0, reserved: 1 << 30)], models: [model("tiny")])
        #expect(janitorSummary(actions) == ["unload tiny cuda:0", "empty cuda:0 idle_unload"])
        #expect(actions[1].reason.contains("also due under every_n_jobs"))
        #expect(harness.janitor.jobsSinceCleanup(on: .cuda(0)) == 0)
    }
}
