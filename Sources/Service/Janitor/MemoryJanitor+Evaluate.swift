import DeviceMemory
import Foundation

/// One evaluation: every device in turn, then the actions in the order they must run.
extension MemoryJanitor {
    /// Decides what to do now and updates the janitor's own state as if the actions were done.
    ///
    /// The actions come as warnings (raised and withdrawn), then model unloads, then cache
    /// releases, each group in device order, so that the memory an unload frees is in the cache
    /// by the time its device's `emptyCache` runs.
    public mutating func evaluate(_ input: JanitorInput) -> [JanitorAction] {
        if case .betweenJobs(let device, let jobs) = input.trigger, jobs > 0, policies.cleanupEveryJobs > 0 {
            jobsSinceCleanup[device, default: 0] += jobs
        }
        var notices: [JanitorAction] = []
        var unloads: [JanitorAction] = []
        var releases: [JanitorAction] = []
        for sample in Self.oneSamplePerDevice(input.devices) {
            notices += thresholdNotices(for: sample, now: input.now)
            guard !sample.isBusy else { continue }
            let deviceUnloads = idleUnloads(on: sample.device, among: input.models, now: input.now)
            unloads += deviceUnloads
            if let release = cacheRelease(for: sample, after: deviceUnloads, now: input.now) {
                releases.append(release)
            }
        }
        return notices + unloads + releases
    }

    /// Tells the janitor that `device`'s cache was released outside it (the "Clear cache"
    /// button, `unload_and_clear`): the every-N count restarts, an owed threshold cleanup is
    /// served, and an owed scheduled cleanup is served too — the cache is already empty.
    public mutating func recordCleanup(on device: DeviceID, at now: Date) {
        jobsSinceCleanup[device] = nil
        thresholds[device]?.cleanupPending = false
        if let due = nextScheduledCleanup(on: device), due <= now {
            lastScheduledRun[device] = now
        }
    }

    /// The one `emptyCache` for a free device, if any policy wants it, naming the first policy
    /// and mentioning the others.
    private mutating func cacheRelease(for sample: DeviceMemorySample, after unloads: [JanitorAction], now: Date) -> JanitorAction? {
        var due: [(policy: PolicyName, reason: String)] = []
        if let reason = unloadReleaseReason(after: unloads) { due.append((.idleUnload, reason)) }
        if let reason = thresholdCleanupReason(for: sample) { due.append((.threshold, reason)) }
        if let reason = scheduleCleanupReason(for: sample.device, now: now) { due.append((.schedule, reason)) }
        if let reason = everyNJobsCleanupReason(for: sample) { due.append((.everyNJobs, reason)) }
        guard let first = due.first else { return nil }
        recordCleanup(on: sample.device, at: now)
        let others = due.dropFirst().map { "also due under \($0.policy.rawValue): \($0.reason)" }
        return .emptyCache(device: sample.device, policy: first.policy, reason: ([first.reason] + others).joined(separator: "; "))
    }

    /// The samples in device order, the last one winning when a device appears twice.
    private static func oneSamplePerDevice(_ samples: [DeviceMemorySample]) -> [DeviceMemorySample] {
        var latest: [DeviceID: DeviceMemorySample] = [:]
        for sample in samples { latest[sample.device] = sample }
        return latest.values.sorted { $0.device < $1.device }
    }
}
