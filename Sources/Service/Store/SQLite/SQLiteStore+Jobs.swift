import Foundation
import GRDB
import Whisper

/// The job queue and the history, as rows. Every state change is one transaction (see
/// Note [Durability] in Store.swift).
extension SQLiteStore {
    /// Adds jobs (and their batch) as queued.
    public func enqueue(_ jobs: [JobRecord], batch: BatchRecord?) async throws {
        try await write { db in
            try batch?.insert(db)
            for job in jobs { try job.insert(db) }
        }
    }

    public func nextQueued(excluding claimed: Set<String>, for device: String?, serving models: [String]?) async throws -> JobRecord? {
        try await database.read { db in
            let jobs = try JobRecord.filter(JobRecord.CodingKeys.state == JobState.queued.rawValue)
                .filter(!claimed.contains(JobRecord.CodingKeys.id))
                .order(Column.rowID).fetchCursor(db)
            while let job = try jobs.next() {
                let deviceFits = device == nil || job.parameters.device == nil || job.parameters.device?.description == device
                let modelFits = models == nil || job.parameters.model.map { models!.contains($0) } ?? true
                if deviceFits && modelFits { return job }
            }
            return nil
        }
    }

    /// Starts a queued job; false when it is no longer queued (cancelled in the meantime).
    public func markRunning(_ id: String, at time: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE job SET state = 'running', started_at = ?, attempts = attempts + 1, processed_seconds = 0
                WHERE id = ? AND state = 'queued'
                """, arguments: [time, id])
            return db.changesCount == 1
        }
    }

    /// Progress of the running job. Synchronous: it is called from the device's worker queue,
    /// off Swift concurrency, and keeps progress rows in order with the final one.
    public func recordProgress(_ id: String, processedSeconds: Double, totalSeconds: Double?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE job SET processed_seconds = ?, total_seconds = COALESCE(?, total_seconds) WHERE id = ?",
                           arguments: [processedSeconds, totalSeconds, id])
        }
    }

    /// The memory the running job used (JobMemory), written when its run ends, done or failed.
    /// Synchronous, like `recordProgress`, for the same reason.
    public func recordMemory(_ id: String, _ memory: JobMemory) throws {
        let json = String(decoding: try JSONEncoder().encode(memory), as: UTF8.self)
        try database.write { db in
            try db.execute(sql: "UPDATE job SET memory = ? WHERE id = ?", arguments: [json, id])
        }
    }

    /// Why the running job waits (nil: it no longer does). Synchronous, like `recordProgress`.
    public func recordWaiting(_ id: String, _ reason: String?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE job SET waiting = ? WHERE id = ?", arguments: [reason, id])
        }
    }

    @discardableResult
    public func finish(_ id: String, transcript: Transcript, model: String, device: String,
                       processingMilliseconds: Double, at time: Date) async throws -> Bool {
        let transcriptJSON = String(decoding: try JSONEncoder().encode(transcript), as: UTF8.self)
        return try await write { db in
            try db.execute(sql: """
                UPDATE job SET state = 'done', finished_at = ?, transcript = ?, text = ?, model = ?, device = ?,
                    processing_ms = ?, processed_seconds = ?, total_seconds = ?, error = NULL, waiting = NULL, audio_path = NULL
                WHERE id = ? AND state IN ('queued', 'running')
                """, arguments: [time, transcriptJSON, transcript.text, model, device, processingMilliseconds,
                                 transcript.duration, transcript.duration, id])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func fail(_ id: String, because error: ServiceError, at time: Date) async throws -> Bool {
        try await write { db in
            try db.execute(sql: """
                UPDATE job SET state = 'failed', finished_at = ?, error = ?, error_code = ?, error_api_code = ?, waiting = NULL, audio_path = NULL
                WHERE id = ? AND state IN ('queued', 'running')
                """, arguments: [time, error.message, error.code.rawValue, error.apiCode, id])
            return db.changesCount == 1
        }
    }

    /// Marks a job cancelled, if it is still `from` (queued, or running when its worker stopped
    /// it); returns the job as it was, or nil when it was not in that state.
    public func cancel(_ id: String, from state: JobState, at time: Date) async throws -> JobRecord? {
        try await write { db in
            guard let job = try JobRecord.fetchOne(db, key: id), job.state == state else { return nil }
            try db.execute(sql: "UPDATE job SET state = 'cancelled', finished_at = ?, waiting = NULL, audio_path = NULL WHERE id = ?",
                           arguments: [time, id])
            return job
        }
    }

    /// Puts a job that was stopped part-way back at its place in the queue.
    public func requeue(_ id: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE job SET state = 'queued', started_at = NULL, processed_seconds = NULL, waiting = NULL WHERE id = ?",
                           arguments: [id])
        }
    }

    /// At start: jobs left running by a process that died are queued again. Returns their ids.
    public func requeueInterrupted() async throws -> [String] {
        try await write { db in
            // A live stream (no audio kept) cannot run again: it ends as failed, saying why.
            try db.execute(sql: """
                UPDATE job SET state = 'failed', finished_at = ?, waiting = NULL, error_code = ?, error_api_code = 'stream_interrupted',
                    error = 'the server stopped during this live stream; the finals sent before were not kept'
                WHERE state = 'running' AND audio_path IS NULL
                """, arguments: [Date(), ServiceError.Code.shuttingDown.rawValue])
            let ids = try String.fetchAll(db, sql: "SELECT id FROM job WHERE state = 'running' ORDER BY rowid")
            try db.execute(sql: "UPDATE job SET state = 'queued', started_at = NULL, processed_seconds = NULL, waiting = NULL WHERE state = 'running'")
            return ids
        }
    }

    public func job(_ id: String) async throws -> JobRecord? {
        try await database.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    public func jobs(inBatch id: String) async throws -> [JobRecord] {
        try await database.read { db in
            try JobRecord.filter(JobRecord.CodingKeys.batchID == id).order(JobRecord.CodingKeys.position, Column.rowID).fetchAll(db)
        }
    }

    public func batch(_ id: String) async throws -> BatchRecord? {
        try await database.read { db in try BatchRecord.fetchOne(db, key: id) }
    }

    /// Jobs waiting to run, oldest first.
    public func queuedJobs() async throws -> [JobRecord] {
        try await database.read { db in
            try JobRecord.filter(JobRecord.CodingKeys.state == JobState.queued.rawValue).order(Column.rowID).fetchAll(db)
        }
    }

    /// Finished jobs, newest first, whose text or file name contains `query` (any case).
    public func history(matching query: String?, limit: Int, offset: Int) async throws -> (total: Int, jobs: [JobRecord]) {
        try await database.read { db in
            var request = JobRecord.filter(JobState.finished.map(\.rawValue).contains(JobRecord.CodingKeys.state))
            if let query, !query.isEmpty {
                let pattern = "%" + query.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                request = request.filter(sql: "(text LIKE ? ESCAPE '\\' OR file_name LIKE ? ESCAPE '\\')",
                                         arguments: [pattern, pattern])
            }
            let total = try request.fetchCount(db)
            let jobs = try request.order(JobRecord.CodingKeys.finishedAt.desc, Column.rowID.desc)
                .limit(limit, offset: offset).fetchAll(db)
            return (total, jobs)
        }
    }

    /// Deletes a finished job; returns it, or nil when there is none or it has not finished.
    public func deleteFinishedJob(_ id: String) async throws -> JobRecord? {
        try await write { db in
            guard let job = try JobRecord.fetchOne(db, key: id), job.state.isFinished else { return nil }
            try job.delete(db)
            return job
        }
    }
}
