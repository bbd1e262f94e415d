/// The operator's settings for automatic memory care: what the janitor does on its own.
///
/// Four independent policies, each of which can be turned off:
/// - **threshold**: warn when a device's reserved memory passes `warningFraction` of the device,
///   and (with `cleanupOnThreshold`) empty the cache once per crossing;
/// - **every N jobs**: after `cleanupEveryJobs` transcriptions on a device, empty its cache if
///   more than `cleanupMinimumCachedBytes` sit cached — a light touch that keeps the cache's
///   speed-up, not a clear after every request;
/// - **schedule**: empty every device's cache at the times of a cron expression, read in
///   `scheduleTimeZone`;
/// - **idle unload**: unload a model that has not been used for `idleUnloadSeconds`;
/// - **memory pressure**: when an allocation fails although the cache was released, unload the
///   device's idle models and try again (`unloadIdleOnPressure`), so that a model nobody is using
///   cannot make a job fail with an out-of-memory error.
///
/// JSON keys are snake_case (`warning_fraction`, ...). Decoding fills absent keys from the
/// defaults (or from a base, see `baseUserInfoKey`) and rejects unknown keys; call
/// `validated()` before use, as `MemoryJanitor` does.
public struct MemoryPolicies: Sendable, Equatable {
    /// Warn when reserved bytes exceed this share of the device's total memory (0 < f ≤ 1).
    public var warningFraction: Double
    /// Also empty the device's cache, once per crossing, when the warning threshold is passed.
    public var cleanupOnThreshold: Bool
    /// Empty a device's cache after this many completed jobs on it; 0 turns the policy off.
    public var cleanupEveryJobs: Int
    /// The every-N cleanup runs only when more than this many bytes are cached
    /// (reserved − allocated): releasing a small cache would only cost the next job its speed.
    public var cleanupMinimumCachedBytes: Int
    /// A cron expression (`0 3 * * *`, `@daily`) at which every device's cache is emptied; nil
    /// turns the policy off.
    public var cleanupSchedule: String?
    /// The IANA time zone (`UTC`, `Europe/Berlin`) in which `cleanupSchedule` is read.
    public var scheduleTimeZone: String
    /// Unload a model after this many seconds without use, like Ollama's `keep_alive`: 0 unloads
    /// right after each job, nil never unloads. A request may override it per model.
    public var idleUnloadSeconds: Double?
    /// On an out-of-memory error that releasing the cache did not cure, unload the device's idle
    /// models (not the one the job needs) and run the job again, once.
    public var unloadIdleOnPressure: Bool

    public init(
        warningFraction: Double = 0.8,
        cleanupOnThreshold: Bool = true,
        cleanupEveryJobs: Int = 3,
        cleanupMinimumCachedBytes: Int = 256 << 20,
        cleanupSchedule: String? = nil,
        scheduleTimeZone: String = "UTC",
        idleUnloadSeconds: Double? = 300,
        unloadIdleOnPressure: Bool = true
    ) {
        self.warningFraction = warningFraction
        self.cleanupOnThreshold = cleanupOnThreshold
        self.cleanupEveryJobs = cleanupEveryJobs
        self.cleanupMinimumCachedBytes = cleanupMinimumCachedBytes
        self.cleanupSchedule = cleanupSchedule
        self.scheduleTimeZone = scheduleTimeZone
        self.idleUnloadSeconds = idleUnloadSeconds
        self.unloadIdleOnPressure = unloadIdleOnPressure
    }

    /// Warn at 80 %, clean on crossing, every 3 jobs above 256 MiB cached, no schedule, unload
    /// models idle for 5 minutes, and idle models under memory pressure.
    public static let `default` = MemoryPolicies()
}
