import Foundation
import Whisper

/// Where the jobs, batches, history and audit log are kept: one SQLite file on this machine
/// (``SQLiteStore``, the default), or one PostgreSQL database that several Auris workers share
/// (``PostgresStore``, `--database`). Both pass the same conformance suite (StoreConformance).
///
/// Note [Durability]: every state change of a job is its own transaction, committed before the
/// call returns; that is what lets a restart (or `kill -9`) lose no finished result and no
/// queued job.
public protocol JobStore: Sendable {
    /// Where the records are, for the logs: a file path, or the database's address without a password.
    var location: String { get }

    /// Whether other workers share these records (and so the queue).
    var isShared: Bool { get }

    /// Whether queued jobs' audio is kept in the store itself, so that the spooled file may go
    /// once the job is queued (Note [Uploads every worker can read]).
    var keepsAudio: Bool { get }

    /// Calls `onChange` when work may have been queued by someone else than this process (the
    /// other workers sharing a database); a single machine's store never does.
    func watchQueue(_ onChange: @escaping @Sendable (QueueChange) -> Void)

    /// Adds jobs (and their batch) as queued.
    func enqueue(_ jobs: [JobRecord], batch: BatchRecord?) async throws

    /// The oldest queued job that `device`'s worker may run (one for any device, or for this
    /// one; for the default model or one of `models`, when given), other than those another
    /// worker has just claimed.
    func nextQueued(excluding claimed: Set<String>, for device: String?, serving models: [String]?) async throws -> JobRecord?

    /// Starts a queued job; false when it is no longer queued (cancelled, or claimed by another
    /// worker, in the meantime).
    func markRunning(_ id: String, at time: Date) async throws -> Bool

    /// Progress of the running job. Synchronous: it is called from the device's worker queue,
    /// off Swift concurrency, and keeps progress rows in order with the final one.
    func recordProgress(_ id: String, processedSeconds: Double, totalSeconds: Double?) throws

    /// The memory the running job used (JobMemory), written when its run ends, done or failed.
    /// Synchronous, like `recordProgress`, for the same reason.
    func recordMemory(_ id: String, _ memory: JobMemory) throws

    /// Why the running job waits (nil: it no longer does). Synchronous, like `recordProgress`.
    func recordWaiting(_ id: String, _ reason: String?) throws

    /// Stores the result; the job leaves the queue for the history. False when nothing was
    /// written: the job had finished already, or (PostgreSQL) another worker holds it now
    /// because this one's lease expired (Note [Leases]).
    @discardableResult
    func finish(_ id: String, transcript: Transcript, model: String, device: String,
                processingMilliseconds: Double, at time: Date) async throws -> Bool

    /// Stores why the job failed; false when nothing was written, as for `finish`.
    @discardableResult
    func fail(_ id: String, because error: ServiceError, at time: Date) async throws -> Bool

    /// Marks a job cancelled, if it is still `from` (queued, or running when its worker stopped
    /// it); returns the job as it was, or nil when it was not in that state.
    func cancel(_ id: String, from state: JobState, at time: Date) async throws -> JobRecord?

    /// Asks the worker running `id` (another process sharing the store) to cancel it; that
    /// worker hears of it through `watchQueue`. A single machine's store has no other worker.
    func requestCancel(_ id: String) async throws

    /// Puts a job that was stopped part-way back at its place in the queue.
    func requeue(_ id: String) async throws

    /// At start: jobs left running by a process that died are queued again (a live stream,
    /// which has no audio to run again, ends failed). Returns the ids queued again.
    func requeueInterrupted() async throws -> [String]

    func job(_ id: String) async throws -> JobRecord?
    /// Writes the job's audio to `file` when the store keeps uploads itself (Note [Uploads every
    /// worker can read]); false when it keeps none for this job.
    func fetchAudio(of id: String, to file: URL) async throws -> Bool

    /// A batch's jobs, in their order within it.
    func jobs(inBatch id: String) async throws -> [JobRecord]
    func batch(_ id: String) async throws -> BatchRecord?
    /// Jobs waiting to run, oldest first.
    func queuedJobs() async throws -> [JobRecord]

    /// Finished jobs, newest first, whose text or file name contains `query` (any case, taken
    /// literally: `%` and `_` are not wildcards).
    func history(matching query: String?, limit: Int, offset: Int) async throws -> (total: Int, jobs: [JobRecord])

    /// Deletes a finished job; returns it, or nil when there is none or it has not finished.
    func deleteFinishedJob(_ id: String) async throws -> JobRecord?

    /// Appends an entry to the audit log; returns it with its id.
    @discardableResult
    func append(_ entry: AuditEntry) async throws -> AuditEntry

    /// Audit entries, newest first, optionally only those whose action starts with `actionPrefix`.
    func audit(actionPrefix: String?, limit: Int, offset: Int) async throws -> (total: Int, entries: [AuditEntry])

    /// Deletes finished jobs that finished before `historyCutoff` (batches left empty go with
    /// them) and audit entries older than `auditCutoff`; nil keeps everything of that kind.
    /// Queued and running jobs are never touched.
    func prune(historyBefore historyCutoff: Date?, auditBefore auditCutoff: Date?) async throws -> PrunedRecords
}

extension JobStore {
    public func watchQueue(_ onChange: @escaping @Sendable (QueueChange) -> Void) {}

    public func fetchAudio(of id: String, to file: URL) async throws -> Bool { false }

    public var keepsAudio: Bool { false }

    public func requestCancel(_ id: String) async throws {}

    public func enqueue(_ jobs: [JobRecord]) async throws {
        try await enqueue(jobs, batch: nil)
    }

    public func nextQueued() async throws -> JobRecord? {
        try await nextQueued(excluding: [], for: nil, serving: nil)
    }

    /// The IDs of the jobs waiting to run, oldest first.
    public func queuedJobIDs() async throws -> [String] {
        try await queuedJobs().map(\.id)
    }

    public func audit(limit: Int, offset: Int) async throws -> (total: Int, entries: [AuditEntry]) {
        try await audit(actionPrefix: nil, limit: limit, offset: offset)
    }
}

/// Why `watchQueue` calls.
public enum QueueChange: Sendable, Equatable {
    /// Work may have been queued (a notification, or the periodic look).
    case queued
    /// These jobs, whose worker stopped renewing their lease, are queued again (Note [Leases]).
    case recovered([String])
    /// This job ended (done, failed or cancelled), perhaps on another worker: its waiters may look.
    case finished(String)
    /// Someone asked, on another worker, that this running job be cancelled.
    case cancelRequested(String)
}

/// What `prune` removed.
public struct PrunedRecords: Sendable, Equatable {
    public var jobs: Int
    public var auditEntries: Int

    public init(jobs: Int, auditEntries: Int) {
        self.jobs = jobs
        self.auditEntries = auditEntries
    }
}
