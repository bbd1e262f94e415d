import Foundation
import PostgresNIO
import Service
import Whisper

/// The shared queue and the history, as rows. Every state change is one statement or one
/// transaction (Note [Durability] in JobStore.swift); claims and outcomes follow Note [Leases].
extension PostgresStore {
    private var leaseSeconds: Double { Double(settings.lease.components.seconds) + Double(settings.lease.components.attoseconds) / 1e18 }

    public func enqueue(_ jobs: [JobRecord], batch: BatchRecord?) async throws {
        // With the audio, a batch of long recordings is a large transaction.
        try await run(patience: settings.audioInDatabaseLimit == nil ? settings.patience : max(settings.patience, .seconds(60))) { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                if let batch {
                    try await connection.query("INSERT INTO batch (id, created_at) VALUES (\(batch.id), \(batch.createdAt))", logger: logger)
                }
                for job in jobs {
                    // A job inserted running (a live stream) is this worker's, under a lease like any other.
                    let worker = job.state == .running ? settings.worker : nil
                    let lease = job.state == .running ? leaseSeconds : nil
                    try await connection.query("""
                        INSERT INTO job (id, batch_id, position, file_name, audio_path, parameters, requested_model, requested_device,
                            state, attempts, created_at, started_at, finished_at, processed_seconds, total_seconds, worker, lease_until)
                        VALUES (\(job.id), \(job.batchID), \(job.position), \(job.fileName), \(job.audioPath),
                            \(try Self.json(job.parameters)), \(job.parameters.model), \(job.parameters.device?.description),
                            \(job.state.rawValue), \(job.attempts), \(job.createdAt), \(job.startedAt), \(job.finishedAt),
                            \(job.processedSeconds), \(job.totalSeconds), \(worker), now() + make_interval(secs => \(lease)))
                        """, logger: logger)
                    if let limit = settings.audioInDatabaseLimit { try await insertAudio(of: job, limit: limit, on: connection) }
                }
                try await notifyQueue(on: connection)
            }
        }
    }

    public func nextQueued(excluding claimed: Set<String>, for device: String?, serving models: [String]?) async throws -> JobRecord? {
        try await rows("""
            SELECT \(unescaped: Self.jobSelect) FROM job
            WHERE state = 'queued' AND NOT (id = ANY(\(Array(claimed))))
                AND (\(device)::text IS NULL OR requested_device IS NULL OR requested_device = \(device))
                AND (\(models == nil) OR requested_model IS NULL OR requested_model = ANY(\(models ?? [])))
            ORDER BY seq LIMIT 1
            """, Self.job(from:)).first
    }

    /// The claim: the row locked, or passed over when another worker holds its lock
    /// (`SKIP LOCKED`: racing workers never wait on each other), and the lease written.
    public func markRunning(_ id: String, at time: Date) async throws -> Bool {
        try await !rows("""
            UPDATE job SET state = 'running', started_at = \(time), attempts = attempts + 1, processed_seconds = 0,
                worker = \(settings.worker), lease_until = now() + make_interval(secs => \(leaseSeconds))
            WHERE id = (SELECT id FROM job WHERE id = \(id) AND state = 'queued' FOR UPDATE SKIP LOCKED)
            RETURNING id
            """, { _ in () }).isEmpty
    }

    public func recordProgress(_ id: String, processedSeconds: Double, totalSeconds: Double?) throws {
        try blocking { [self] in
            _ = try await rows("""
                UPDATE job SET processed_seconds = \(processedSeconds), total_seconds = coalesce(\(totalSeconds)::float8, total_seconds)
                WHERE id = \(id)
                """, { _ in () })
        }
    }

    public func recordMemory(_ id: String, _ memory: JobMemory) throws {
        let json = try Self.json(memory)
        try blocking { [self] in _ = try await rows("UPDATE job SET memory = \(json) WHERE id = \(id)", { _ in () }) }
    }

    public func recordWaiting(_ id: String, _ reason: String?) throws {
        try blocking { [self] in _ = try await rows("UPDATE job SET waiting = \(reason) WHERE id = \(id)", { _ in () }) }
    }

    /// The outcome is written only while the job is this worker's (Note [Leases]).
    private static let stillMine = "state IN ('queued', 'running') AND (worker IS NULL OR worker = "
    /// The same test, for the job's audio parts (which go with the outcome).
    private static let endedOrMine = "EXISTS (SELECT 1 FROM job WHERE job.id = job_audio.job_id AND " + stillMine

    @discardableResult
    public func finish(_ id: String, transcript: Transcript, model: String, device: String,
                       processingMilliseconds: Double, at time: Date) async throws -> Bool {
        let transcriptJSON = try Self.json(transcript)
        let written = try await !rows("""
            WITH parts AS (DELETE FROM job_audio WHERE job_id = \(id) AND \(unescaped: Self.endedOrMine)\(settings.worker))))
            UPDATE job SET state = 'done', finished_at = \(time), transcript = \(transcriptJSON), text = \(transcript.text),
                model = \(model), device = \(device), processing_ms = \(processingMilliseconds),
                processed_seconds = \(transcript.duration), total_seconds = \(transcript.duration),
                error = NULL, waiting = NULL, audio_path = NULL, lease_until = NULL
            WHERE id = \(id) AND \(unescaped: Self.stillMine)\(settings.worker))
            RETURNING id
            """, { _ in () }).isEmpty
        if written { await notifyFinished(id) }
        return written
    }

    @discardableResult
    public func fail(_ id: String, because error: ServiceError, at time: Date) async throws -> Bool {
        let written = try await !rows("""
            WITH parts AS (DELETE FROM job_audio WHERE job_id = \(id) AND \(unescaped: Self.endedOrMine)\(settings.worker))))
            UPDATE job SET state = 'failed', finished_at = \(time), error = \(error.message), error_code = \(error.code.rawValue),
                error_api_code = \(error.apiCode), waiting = NULL, audio_path = NULL, lease_until = NULL
            WHERE id = \(id) AND \(unescaped: Self.stillMine)\(settings.worker))
            RETURNING id
            """, { _ in () }).isEmpty
        if written { await notifyFinished(id) }
        return written
    }

    public func cancel(_ id: String, from state: JobState, at time: Date) async throws -> JobRecord? {
        let old = Self.jobColumns.map { "old.\($0)" }.joined(separator: ", ")
        let cancelled = try await rows("""
            WITH old AS (SELECT * FROM job WHERE id = \(id) AND state = \(state.rawValue) FOR UPDATE),
                parts AS (DELETE FROM job_audio WHERE job_id IN (SELECT id FROM old))
            UPDATE job SET state = 'cancelled', finished_at = \(time), waiting = NULL, audio_path = NULL, lease_until = NULL
            FROM old WHERE job.id = old.id
            RETURNING \(unescaped: old)
            """, Self.job(from:)).first
        if cancelled != nil { await notifyFinished(id) }
        return cancelled
    }

    public func requestCancel(_ id: String) async throws {
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("UPDATE job SET cancel_requested = true WHERE id = \(id) AND state = 'running'", logger: logger)
                try await connection.query("SELECT pg_notify(\(Self.cancelChannel), \(id))", logger: logger)
            }
        }
    }

    public func requeue(_ id: String) async throws {
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    UPDATE job SET state = 'queued', started_at = NULL, processed_seconds = NULL, waiting = NULL,
                        worker = NULL, lease_until = NULL
                    WHERE id = \(id)
                    """, logger: logger)
                try await notifyQueue(on: connection)
            }
        }
    }

    /// At start: what this worker left running (it restarted under the same name), and what any
    /// worker left running with its lease expired, goes back in the queue.
    public func requeueInterrupted() async throws -> [String] {
        try await requeue(includingMine: true)
    }

    /// Jobs whose worker stopped renewing their lease, put back in the queue (Note [Leases]).
    func requeueExpired() async throws -> [String] {
        try await requeue(includingMine: false)
    }

    /// Renews the lease of every job this worker runs; returns those someone asked to cancel.
    func renewLeases() async throws -> [String] {
        try await rows("""
            UPDATE job SET lease_until = now() + make_interval(secs => \(leaseSeconds))
            WHERE state = 'running' AND worker = \(settings.worker)
            RETURNING id, cancel_requested
            """) { try $0.decode((String, Bool).self) }.filter(\.1).map(\.0)
    }

    /// Expired jobs, and this worker's running ones when `includingMine`, back in the queue; a
    /// live stream among them ends failed. Returns the ids queued again, oldest first.
    private func requeue(includingMine: Bool) async throws -> [String] {
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    UPDATE job SET state = 'failed', finished_at = now(), waiting = NULL, lease_until = NULL,
                        error_code = \(ServiceError.Code.shuttingDown.rawValue), error_api_code = 'stream_interrupted',
                        error = 'the server stopped during this live stream; the finals sent before were not kept'
                    WHERE state = 'running' AND audio_path IS NULL
                        AND (lease_until < now() OR (\(includingMine) AND worker = \(settings.worker)))
                    """, logger: logger)
                // A job someone asked to cancel is not run again.
                try await connection.query("""
                    WITH parts AS (DELETE FROM job_audio WHERE job_id IN (SELECT id FROM job WHERE state = 'running' AND cancel_requested
                        AND (lease_until < now() OR (\(includingMine) AND worker = \(settings.worker)))))
                    UPDATE job SET state = 'cancelled', finished_at = now(), waiting = NULL, lease_until = NULL, audio_path = NULL
                    WHERE state = 'running' AND cancel_requested
                        AND (lease_until < now() OR (\(includingMine) AND worker = \(settings.worker)))
                    """, logger: logger)
                var ids: [(String, Int64)] = []
                for try await row in try await connection.query("""
                    UPDATE job SET state = 'queued', started_at = NULL, processed_seconds = NULL, waiting = NULL, worker = NULL, lease_until = NULL
                    WHERE state = 'running' AND (lease_until < now() OR (\(includingMine) AND worker = \(settings.worker)))
                    RETURNING id, seq
                    """, logger: logger).decode((String, Int64).self) { ids.append(row) }
                if !ids.isEmpty { try await notifyQueue(on: connection) }
                return ids.sorted { $0.1 < $1.1 }.map(\.0)
            }
        }
    }

    public func job(_ id: String) async throws -> JobRecord? {
        try await rows("SELECT \(unescaped: Self.jobSelect) FROM job WHERE id = \(id)", Self.job(from:)).first
    }

    public func jobs(inBatch id: String) async throws -> [JobRecord] {
        try await rows("SELECT \(unescaped: Self.jobSelect) FROM job WHERE batch_id = \(id) ORDER BY position, seq", Self.job(from:))
    }

    public func batch(_ id: String) async throws -> BatchRecord? {
        try await rows("SELECT id, created_at FROM batch WHERE id = \(id)", Self.batch(from:)).first
    }

    public func queuedJobs() async throws -> [JobRecord] {
        try await rows("SELECT \(unescaped: Self.jobSelect) FROM job WHERE state = 'queued' ORDER BY seq", Self.job(from:))
    }

    public func history(matching query: String?, limit: Int, offset: Int) async throws -> (total: Int, jobs: [JobRecord]) {
        let pattern = query.flatMap { $0.isEmpty ? nil : "%" + Self.literalPattern($0) + "%" }
        let total = try await rows("""
            SELECT count(*) FROM job WHERE state IN ('done', 'failed', 'cancelled')
                AND (\(pattern)::text IS NULL OR text ILIKE \(pattern) OR file_name ILIKE \(pattern))
            """) { try $0.decode(Int.self) }.first ?? 0
        let jobs = try await rows("""
            SELECT \(unescaped: Self.jobSelect) FROM job WHERE state IN ('done', 'failed', 'cancelled')
                AND (\(pattern)::text IS NULL OR text ILIKE \(pattern) OR file_name ILIKE \(pattern))
            ORDER BY finished_at DESC, seq DESC LIMIT \(limit) OFFSET \(offset)
            """, Self.job(from:))
        return (total, jobs)
    }

    public func deleteFinishedJob(_ id: String) async throws -> JobRecord? {
        try await rows("""
            DELETE FROM job WHERE id = \(id) AND state IN ('done', 'failed', 'cancelled')
            RETURNING \(unescaped: Self.jobSelect)
            """, Self.job(from:)).first
    }
}
