import Foundation
import Service
import SharedStore
import Testing
import Whisper

/// What every store must do, run over each backend (StoreBackend): what a restart finds, the
/// queue's order, the history's search, the audit log, retention. `make test` runs it on SQLite
/// and on a real PostgreSQL (AURIS_REQUIRE_POSTGRES makes a missing database a failure).
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test func theDatabaseIsThereWhenRequired() {
        if ProcessInfo.processInfo.environment["AURIS_REQUIRE_POSTGRES"] == "1" {
            #expect(StoreBackend.testDatabase != nil, "AURIS_TEST_DATABASE is not set: run the tests through scripts/postgres.sh run")
        }
    }

    static func transcript(_ text: String) -> Transcript {
        var transcript = Transcript(language: "en", duration: 2, segments: [])
        transcript.text = text
        return transcript
    }

    @Test(arguments: StoreBackend.available)
    func aReopenedStoreRequeuesWhatWasRunningAndKeepsWhatFinished(_ backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            let jobs = (0..<3).map { JobRecord(batchID: "b", position: $0, fileName: "f\($0).wav", audioPath: "/tmp/f\($0)", parameters: JobParameters(model: "m")) }
            do {
                let store = try await place.open()
                try await store.enqueue(jobs, batch: BatchRecord(id: "b"))
                #expect(try await store.markRunning(jobs[0].id, at: Date()))
                try await store.finish(jobs[0].id, transcript: Self.transcript("first"), model: "m", device: "cpu",
                                       processingMilliseconds: 5, at: Date())
                #expect(try await store.markRunning(jobs[1].id, at: Date()))
                // The process "dies" here: job 1 is left running.
            }
            let reopened = try await place.open()
            #expect(try await reopened.requeueInterrupted() == [jobs[1].id])
            #expect(try await reopened.queuedJobIDs() == [jobs[1].id, jobs[2].id], "queue order is submission order")
            let first = try #require(try await reopened.job(jobs[0].id))
            #expect(first.state == .done && first.transcript?.text == "first" && first.audioPath == nil)
            #expect(try await reopened.job(jobs[1].id)?.attempts == 1)
            #expect(try await reopened.jobs(inBatch: "b").map(\.fileName) == ["f0.wav", "f1.wav", "f2.wav"])
            #expect(try await reopened.job(jobs[2].id)?.parameters == JobParameters(model: "m"))
        }
    }

    /// A live stream left running by a dead process has no audio to run again: it ends failed,
    /// saying so, and is not among the jobs queued again.
    @Test(arguments: StoreBackend.available)
    func aStreamLeftRunningEndsFailed(_ backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            var stream = JobRecord(fileName: "live stream", audioPath: nil, parameters: JobParameters(model: "m"))
            stream.state = .running
            stream.startedAt = Date()
            do {
                let store = try await place.open()
                try await store.enqueue([stream])
            }
            let reopened = try await place.open()
            #expect(try await reopened.requeueInterrupted().isEmpty)
            let ended = try #require(try await reopened.job(stream.id))
            #expect(ended.state == .failed && ended.errorAPICode == "stream_interrupted" && ended.finishedAt != nil)
            #expect(ended.failure?.code == .shuttingDown)
        }
    }

    @Test(arguments: StoreBackend.available)
    func historySearchTakesTheQueryLiterally(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let texts = ["Costs rose 100% this year", "costs fell", "a_b c"]
            let jobs = texts.enumerated().map { JobRecord(fileName: "clip\($0.offset).wav", audioPath: nil, parameters: JobParameters()) }
            try await store.enqueue(jobs)
            for (job, text) in zip(jobs, texts) {
                try await store.finish(job.id, transcript: Self.transcript(text), model: "m", device: "cpu", processingMilliseconds: 1, at: Date())
            }
            #expect(try await store.history(matching: "COSTS", limit: 10, offset: 0).total == 2)
            #expect(try await store.history(matching: "100%", limit: 10, offset: 0).jobs.map(\.text) == ["Costs rose 100% this year"])
            #expect(try await store.history(matching: "a_b", limit: 10, offset: 0).total == 1)
            #expect(try await store.history(matching: "_", limit: 10, offset: 0).total == 1, "_ is not a wildcard")
            #expect(try await store.history(matching: "clip1", limit: 10, offset: 0).total == 1, "file names are searched too")
            #expect(try await store.history(matching: nil, limit: 2, offset: 0).jobs.count == 2)
            #expect(try await store.deleteFinishedJob(jobs[0].id)?.id == jobs[0].id)
            #expect(try await store.history(matching: nil, limit: 10, offset: 0).total == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func onlyAJobInTheExpectedStateIsCancelled(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters())
            try await store.enqueue([job])
            #expect(try await store.cancel(job.id, from: .running, at: Date()) == nil, "it is queued, not running")
            #expect(try await store.cancel(job.id, from: .queued, at: Date())?.audioPath == "/tmp/x")
            let cancelled = try #require(try await store.job(job.id))
            #expect(cancelled.state == .cancelled && cancelled.audioPath == nil && cancelled.finishedAt != nil)
            #expect(try await !store.markRunning(job.id, at: Date()), "a worker that picked it just before does not start it")
            #expect(try await store.queuedJobIDs().isEmpty)
            #expect(try await store.history(matching: nil, limit: 10, offset: 0).total == 1)
            #expect(try await store.deleteFinishedJob(job.id) != nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func pruningTakesOnlyOldFinishedWorkAndOldAudit(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let day: TimeInterval = 86_400, now = Date()
            let old = JobRecord(batchID: "b", fileName: "old.wav", audioPath: nil, parameters: JobParameters())
            let recent = JobRecord(fileName: "recent.wav", audioPath: nil, parameters: JobParameters())
            let waiting = JobRecord(fileName: "waiting.wav", audioPath: "/tmp/w", parameters: JobParameters(), createdAt: now.addingTimeInterval(-30 * day))
            try await store.enqueue([old], batch: BatchRecord(id: "b"))
            try await store.enqueue([recent, waiting])
            try await store.finish(old.id, transcript: Self.transcript("old"), model: "m", device: "cpu", processingMilliseconds: 1,
                                   at: now.addingTimeInterval(-10 * day))
            try await store.finish(recent.id, transcript: Self.transcript("new"), model: "m", device: "cpu", processingMilliseconds: 1, at: now)
            try await store.append(AuditEntry(time: now.addingTimeInterval(-100 * day), actor: "a", action: "x", result: .ok))
            try await store.append(AuditEntry(time: now, actor: "a", action: "y", result: .ok))

            let pruned = try await store.prune(historyBefore: now.addingTimeInterval(-7 * day), auditBefore: now.addingTimeInterval(-90 * day))
            #expect(pruned == PrunedRecords(jobs: 1, auditEntries: 1))
            let oldJob = try await store.job(old.id), oldBatch = try await store.batch("b")
            #expect(oldJob == nil && oldBatch == nil, "the emptied batch goes too")
            let recentJob = try await store.job(recent.id), waitingJob = try await store.job(waiting.id)
            #expect(recentJob != nil && waitingJob?.state == .queued, "queued work is never pruned")
            #expect(try await store.audit(limit: 10, offset: 0).entries.map(\.action) == ["y"])
            #expect(try await store.prune(historyBefore: nil, auditBefore: nil) == PrunedRecords(jobs: 0, auditEntries: 0))
        }
    }

    @Test(arguments: StoreBackend.available)
    func unfinishedJobsCannotBeDeleted(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let job = JobRecord(fileName: "x.wav", audioPath: nil, parameters: JobParameters())
            try await store.enqueue([job])
            #expect(try await store.deleteFinishedJob(job.id) == nil)
            #expect(try await store.job(job.id) != nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func auditIsNewestFirstAndFilteredByAction(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            for action in ["memory.clear_cache", "model.load", "model.unload", "admin.refused"] {
                try await store.append(AuditEntry(actor: "127.0.0.1", action: action, result: action == "admin.refused" ? .refused : .ok))
            }
            let all = try await store.audit(limit: 10, offset: 0)
            #expect(all.total == 4 && all.entries.map(\.action) == ["admin.refused", "model.unload", "model.load", "memory.clear_cache"])
            #expect(try await store.audit(actionPrefix: "model.", limit: 10, offset: 0).entries.map(\.action) == ["model.unload", "model.load"])
            #expect(try await store.audit(limit: 1, offset: 1).entries.map(\.action) == ["model.unload"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func anOutcomeIsWrittenOnce(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let job = JobRecord(fileName: "x.wav", audioPath: nil, parameters: JobParameters())
            try await store.enqueue([job])
            #expect(try await store.markRunning(job.id, at: Date()))
            #expect(try await store.markRunning(job.id, at: Date()) == false, "a job is started once")
            #expect(try await store.finish(job.id, transcript: Self.transcript("first"), model: "m", device: "cpu",
                                           processingMilliseconds: 1, at: Date()))
            #expect(try await store.finish(job.id, transcript: Self.transcript("second"), model: "m", device: "cpu",
                                           processingMilliseconds: 1, at: Date()) == false)
            #expect(try await store.fail(job.id, because: ServiceError(.engineFailure, "late"), at: Date()) == false)
            let done = try #require(try await store.job(job.id))
            #expect(done.state == .done && done.text == "first" && done.error == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func progressMemoryAndWaitingAreKept(_ backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters(model: "m", device: .cpu))
            try await store.enqueue([job])
            #expect(try await store.nextQueued(excluding: [], for: "cuda:0", serving: nil) == nil, "a job for the CPU is not a GPU's")
            #expect(try await store.nextQueued(excluding: [job.id], for: nil, serving: nil) == nil)
            #expect(try await store.nextQueued(excluding: [], for: "cpu", serving: ["other"]) == nil, "nor one for a model it lacks")
            #expect(try await store.nextQueued(excluding: [], for: "cpu", serving: ["m", "other"])?.id == job.id)
            #expect(try await store.markRunning(job.id, at: Date()))
            // As the device's worker queue calls them: from a Dispatch thread, one after another.
            try await onDispatchThread {
                try store.recordWaiting(job.id, "for memory")
                try store.recordProgress(job.id, processedSeconds: 3, totalSeconds: 10)
                try store.recordProgress(job.id, processedSeconds: 6, totalSeconds: nil)
            }
            let running = try #require(try await store.job(job.id))
            #expect(running.state == .running && running.progress == 0.6 && running.waiting == "for memory")
            try await onDispatchThread { try store.recordWaiting(job.id, nil) }
            #expect(try await store.job(job.id)?.waiting == nil)
        }
    }
}

/// Runs `body` on a Dispatch thread, off the cooperative pool, as a device's worker queue does.
func onDispatchThread(_ body: @escaping @Sendable () throws -> Void) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        DispatchQueue.global().async {
            do { try body(); continuation.resume() } catch { continuation.resume(throwing: error) }
        }
    }
}
