import Foundation
import Whisper

/// The transcription jobs: persisted in the store when submitted, run in submission order by
/// `run()` with one worker per device (one job at a time on each), their progress and results
/// written back as they come.
///
/// Note [Restart safety]: a job is a row before it is anything else, and its audio is on disk
/// before the row exists. `run()` first puts back in the queue whatever a dead process left
/// running, so that neither a restart nor `kill -9` loses a queued job; a graceful stop
/// interrupts the running job at its next progress event and re-queues it.
public final class JobQueue: Sendable {
    public let store: any JobStore
    /// One per device; each runs one job at a time.
    public let services: [TranscriptionService]
    /// Which worker runs which job (Note [Which worker runs a job]).
    private let scheduler: JobScheduler
    private let completions = JobCompletions()
    private let onEvent: @Sendable (JobEvent) -> Void
    private let now: @Sendable () -> Date

    /// What happens to jobs, for the event stream and the logs.
    public enum JobEvent: Sendable {
        case queued(JobRecord)
        case started(JobRecord)
        case progress(id: String, batchID: String?, processedSeconds: Double, totalSeconds: Double?)
        /// Waiting for memory before it starts, and why (nil: it has stopped waiting).
        case waiting(id: String, batchID: String?, reason: String?)
        case finished(JobRecord)
        /// Stopped by a graceful shutdown; it runs again after the restart.
        case requeued(JobRecord)
        /// Put back in the queue at start because the previous process died running it.
        case recovered(id: String)
        /// This worker's outcome ("done", "failed", "cancelled") was not written: its lease had
        /// expired and another worker has the job (Note [Leases]).
        case outcomeRefused(id: String, outcome: String)
    }

    /// What `cancel(_:)` found.
    public enum CancelOutcome: Sendable {
        /// It was queued or running, and is cancelled now.
        case cancelled(JobRecord)
        /// It had finished already; nothing was changed.
        case finished(JobRecord)
        case unknown
    }

    public init(store: any JobStore, services: [TranscriptionService], now: @escaping @Sendable () -> Date = Date.init,
                onEvent: @escaping @Sendable (JobEvent) -> Void = { _ in }) {
        precondition(!services.isEmpty, "a job queue needs at least one device's service")
        self.store = store
        self.services = services
        self.now = now
        self.onEvent = onEvent
        scheduler = JobScheduler(workers: services.count)
        // What other workers sharing the store do: work they queue wakes this one's workers, a
        // job they finish answers the requests here waiting for it, a cancel they pass on stops
        // the job here.
        store.watchQueue { [scheduler, completions, onEvent] change in
            switch change {
            case .queued:
                scheduler.wakeAll()
                completions.lookAgain()   // the backstop for a lost notification
            case .recovered(let ids):
                for id in ids { onEvent(.recovered(id: id)) }
                scheduler.wakeAll()
            case .finished(let id):
                completions.finished(id)
            case .cancelRequested(let id):
                scheduler.cancellation(of: id)?.request(.user)
            }
        }
    }

    public convenience init(store: any JobStore, service: TranscriptionService, now: @escaping @Sendable () -> Date = Date.init,
                            onEvent: @escaping @Sendable (JobEvent) -> Void = { _ in }) {
        self.init(store: store, services: [service], now: now, onEvent: onEvent)
    }

    /// Queues jobs (their audio already on disk), as one batch when `batch` is given.
    public func submit(_ jobs: [JobRecord], batch: BatchRecord? = nil) async throws {
        try await store.enqueue(jobs, batch: batch)
        // Kept in the shared database now, read back by whichever worker runs the job.
        if store.keepsAudio { for job in jobs { removeAudio(of: job) } }
        for job in jobs { onEvent(.queued(job)) }
        scheduler.wakeAll()
    }

    /// Cancels a queued job at once, or a running one within a decoding step (waiting for
    /// that), and removes its audio.
    public func cancel(_ id: String) async throws -> CancelOutcome {
        if let job = try await store.cancel(id, from: .queued, at: now()) {
            removeAudio(of: job)
            completions.finished(id)
            return try await store.job(id).map { onEvent(.finished($0)); return .cancelled($0) } ?? .unknown
        }
        if let token = scheduler.cancellation(of: id) {
            token.request(.user)
            _ = try await waitUntilFinished(id)
        } else if store.isShared, try await store.job(id)?.state == .running {
            // Another worker runs it: it stops there within a decoding step of hearing.
            try await store.requestCancel(id)
            _ = try await waitUntilFinished(id)
        }
        guard let job = try await store.job(id) else { return .unknown }
        return job.state == .cancelled ? .cancelled(job) : .finished(job)
    }

    /// Deletes a finished job from the history, and its audio; refuses one that has not finished.
    public func deleteFinished(_ id: String) async throws {
        guard let deleted = try await store.deleteFinishedJob(id) else {
            guard let state = try await store.job(id)?.state.rawValue else { throw ServiceError(.unknownJob, "no job with id \(id)") }
            throw ServiceError(.jobNotFinished, "job \(id) is \(state); only finished jobs can be deleted")
        }
        if let audio = deleted.audioPath { try? FileManager.default.removeItem(atPath: audio) }
    }

    /// Waits until the job is done and returns it as stored; rethrows why it failed.
    public func result(of id: String) async throws -> JobRecord {
        guard let job = try await waitUntilFinished(id) else {
            throw ServiceError(.unknownJob, "job \(id) was deleted before it finished")
        }
        switch job.state {
        case .done:
            return job
        case .failed:
            // The error it failed with, kept with the job: the same after a restart.
            throw job.failure ?? ServiceError(.engineFailure, "the job failed")
        case .cancelled:
            throw ServiceError(.cancelled, "job \(id) was cancelled")
        case .queued, .running:
            // Only a stop ends the wait early: the job stays in the queue for the next start.
            throw ServiceError(.shuttingDown, "the server is stopping; job \(id) stays queued and runs after the restart")
        }
    }

    /// Waits until the job is done or failed, and returns it as stored (nil if it was deleted).
    /// After `stop()`, returns at once with the job as it is.
    public func waitUntilFinished(_ id: String) async throws -> JobRecord? {
        while true {
            let mark = completions.mark()
            guard let job = try await store.job(id), !job.state.isFinished else { return try await store.job(id) }
            await completions.wait(id, after: mark)
            if scheduler.isStopping { return try await store.job(id) }
        }
    }

    /// Runs queued jobs until `stop()`, one worker per device; call once.
    public func run() async throws {
        for id in try await store.requeueInterrupted() { onEvent(.recovered(id: id)) }
        try await failJobsForDevicesNotServed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in services.indices {
                group.addTask { try await self.work(as: worker) }
            }
            try await group.waitForAll()
        }
    }

    /// A queued job that asked for a device this server no longer runs (it was restarted with
    /// another `--device`) would wait forever; it fails at start instead, saying why. With a
    /// shared store another worker may run that device: the job waits for it.
    private func failJobsForDevicesNotServed() async throws {
        guard !store.isShared else { return }
        let served = services.map(\.registry.device.description)
        for job in try await store.queuedJobs() {
            guard let device = job.parameters.device?.description, !served.contains(device) else { continue }
            let id = job.id
            try await store.fail(id, because: .invalid("device", "this job asked for \(device), which this server no longer runs models on "
                                 + "(it serves \(served.joined(separator: ", ")))"), at: now())
            removeAudio(of: job)
            completions.finished(id)
            if let failed = try await store.job(id) { onEvent(.finished(failed)) }
        }
    }

    /// One device's worker: the oldest queued job it may run (Note [Which worker runs a job]),
    /// one at a time, until `stop()`.
    private func work(as worker: Int) async throws {
        let service = services[worker]
        var wakeups = scheduler.wakeups(of: worker).makeAsyncIterator()
        while !scheduler.isStopping {
            let excluded = scheduler.excluded(for: worker)
            // Only what this worker can run: its device and, when other machines share the queue,
            // its models (alone, a job for a model since removed fails when it runs, saying so).
            let next: JobRecord?
            do {
                next = try await store.nextQueued(excluding: excluded, for: service.registry.device.description,
                                                  serving: store.isShared ? service.registry.modelIDs : nil)
            } catch where ServiceError(storageFailure: error) != nil {
                // The store cannot be read for now (a database restarting, a lock held): the worker
                // looks again in a second rather than stopping the server.
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let job = next else {
                // Nothing to do: sleep until a submission, a finished job or `stop()`.
                guard await wakeups.next() != nil else { return }
                continue
            }
            switch scheduler.place(job, by: worker, candidates: candidates(for: job)) {
            case .stopping:
                return
            case .taken, .leftForAnother:
                continue
            case .run(let token):
                await runOne(job, on: service, token: token)
                scheduler.finished(job.id, by: worker)
                completions.finished(job.id)
            }
        }
    }

    /// Every worker as the placement of `job` sees it now.
    private func candidates(for job: JobRecord) -> [WorkerCandidate] {
        services.map { service in
            WorkerCandidate(hasModelResident: service.registry.isResident(job.parameters.model),
                            allocatedBytes: service.registry.allocatedBytes)
        }
    }

    /// Stops taking jobs; the running one stops at its next progress event and is re-queued.
    /// Requests waiting for queued jobs are answered now, so that they do not hold the shutdown.
    public func stop() {
        completions.stop(keeping: scheduler.stop())
    }

    /// Runs a job this worker has claimed, `token` asking it to stop.
    ///
    /// Note [Stopping a running job]: the engine asks the job's token before every window and
    /// every decoding step (`shouldStop`), and its event handler asks too; either throws Swift's
    /// `CancellationError` when the token says to stop, so a job stops within one token (a hostile
    /// probe once waited 33 s for a cancel to land at the end of a window). What happens next
    /// depends on why (the token's reason), not on the error: a user's cancel ends the job
    /// cancelled, a shutdown puts it back in the queue.
    private func runOne(_ queued: JobRecord, on service: TranscriptionService, token: JobCancellation) async {
        var job = queued
        do {
            // A job cancelled between being picked and being started is left alone.
            guard try await store.markRunning(job.id, at: now()) else { return }
            job.state = .running
            onEvent(.started(job))
            let (audio, isCopy) = try await localAudio(of: job)
            defer { if isCopy { try? FileManager.default.removeItem(atPath: audio) } }
            let result = try await service.transcribe(
                path: audio, named: job.fileName, modelID: job.parameters.model,
                options: job.parameters.decodingOptions, keepAlive: job.parameters.keepAlive,
                computeType: job.parameters.computeType,
                onMemory: { [store, id = job.id] memory in try? store.recordMemory(id, memory) },
                onWait: { [store, onEvent, id = job.id, batchID = job.batchID] reason in
                    try? store.recordWaiting(id, reason)
                    onEvent(.waiting(id: id, batchID: batchID, reason: reason))
                },
                onEvent: { [store, onEvent, id = job.id, batchID = job.batchID] event in
                    if token.reason != .none { throw CancellationError() }
                    guard case .progress(let progress) = event else { return }
                    // This runs on the device's worker queue, off the cooperative pool: a blocking
                    // write is fine here, and keeps progress rows in order with the final one.
                    try? store.recordProgress(id, processedSeconds: progress.processedSeconds, totalSeconds: progress.totalSeconds)
                    onEvent(.progress(id: id, batchID: batchID, processedSeconds: progress.processedSeconds,
                                      totalSeconds: progress.totalSeconds))
                },
                shouldStop: { token.reason != .none })
            var written = true
            try await save(job) {
                written = try await store.finish(job.id, transcript: result.transcript, model: result.model,
                                                 device: result.device.description,
                                                 processingMilliseconds: result.processingMilliseconds, at: now())
            }
            guard written else { return onEvent(.outcomeRefused(id: job.id, outcome: "done")) }
            removeAudio(of: job)
        } catch where token.reason == .shutdown {
            try? await store.requeue(job.id)
            onEvent(.requeued(job))
            return
        } catch where token.reason == .user {
            try? await save(job) { _ = try await store.cancel(job.id, from: .running, at: now()) }
            removeAudio(of: job)
        } catch {
            var written = true
            try? await save(job) { written = try await store.fail(job.id, because: ServiceError(mapping: error), at: now()) }
            guard written else { return onEvent(.outcomeRefused(id: job.id, outcome: "failed")) }
            removeAudio(of: job)
        }
        if let finished = try? await store.job(job.id) { onEvent(.finished(finished)) }
    }

    /// Writes a job's outcome, waiting for room if the disk is full or the store locked.
    ///
    /// Note [An outcome waits for room]: a job whose result cannot be written would otherwise
    /// stay `running` in the store, and a client waiting for it would wait for ever. Neither a
    /// full disk nor a locked store is lasting, so the worker keeps the outcome and tries again
    /// (from a quarter of a second up to every 5 s), saying why in the job's events; meanwhile new
    /// uploads get 507 and nothing else is lost. A stop ends the wait: the job is still `running`
    /// in the store and runs again after the restart (Note [Restart safety]).
    private func save(_ job: JobRecord, _ write: () async throws -> Void) async throws {
        var pause = Duration.milliseconds(250)
        while true {
            do {
                return try await write()
            } catch where ServiceError(storageFailure: error) != nil && !scheduler.isStopping {
                let reason = ServiceError(storageFailure: error)!.message
                onEvent(.waiting(id: job.id, batchID: job.batchID, reason: "finished; waiting to save the outcome: \(reason)"))
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    /// The job's audio as a file here: where it was spooled, or read back from the store (Note
    /// [Uploads every worker can read]) into a copy, removed after the run.
    private func localAudio(of job: JobRecord) async throws -> (path: String, isCopy: Bool) {
        if let audio = job.audioPath, FileManager.default.fileExists(atPath: audio) { return (audio, false) }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("auris-job-\(job.id).audio")
        if try await store.fetchAudio(of: job.id, to: copy) { return (copy.path, true) }
        throw ServiceError(.badAudio, "the audio of this job is no longer on disk", apiCode: "audio_missing")
    }

    private func removeAudio(of job: JobRecord) {
        if let audio = job.audioPath { try? FileManager.default.removeItem(atPath: audio) }
    }
}
