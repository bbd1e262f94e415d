import DeviceMemory

/// The every-N-jobs policy: a light cleanup after every N transcriptions, only when the cache
/// has grown past a minimum, so the cache keeps speeding up the jobs in between.
extension MemoryJanitor {
    /// The reason for an every-N cleanup when at least N jobs finished on the device since its
    /// last cleanup and more than the minimum is cached.
    ///
    /// When N jobs are reached with too little cached, the count is kept, so the cleanup runs
    /// after the first later job that leaves enough cached — not only at every N-th job.
    func everyNJobsCleanupReason(for sample: DeviceMemorySample) -> String? {
        let every = policies.cleanupEveryJobs
        let jobs = jobsSinceCleanup(on: sample.device)
        guard every > 0, jobs >= every, sample.cachedBytes > policies.cleanupMinimumCachedBytes else { return nil }
        return "\(jobs) job\(jobs == 1 ? "" : "s") finished on \(sample.device) since its last cleanup (policy: every \(every)) "
            + "and \(JanitorText.bytes(sample.cachedBytes)) is cached, more than the \(JanitorText.bytes(policies.cleanupMinimumCachedBytes)) minimum"
    }
}
