import Foundation
import GRDB

/// Auris's one SQLite file (`DATA_DIR/auris.sqlite`) on a single machine: the jobs and batches
/// with their results (the history) and the audit log. Only this module knows SQL.
///
/// The database runs in WAL mode with `synchronous = NORMAL`, so every committed write survives
/// the process being killed (`kill -9`); only a power cut can lose the last transactions
/// (Note [Durability] in JobStore.swift).
public final class SQLiteStore: JobStore {
    let database: any DatabaseWriter
    public let path: String?
    public var location: String { path ?? "memory" }
    public var isShared: Bool { false }

    /// Opens (creating when absent) the store at `file` and brings its schema up to date.
    public init(file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(10)
        database = try DatabasePool(path: file.path, configuration: configuration)
        path = file.path
        try Self.migrator.migrate(database)
    }

    /// A store that lives in memory only (tools and tests that need no persistence).
    public init() throws {
        database = try DatabaseQueue()
        path = nil
        try Self.migrator.migrate(database)
    }

    /// Writes in a transaction, even when the calling task has been cancelled: the last state
    /// change of a job, or the audit entry of a shutdown, must land while the server stops.
    /// (GRDB's async accessors refuse to start in a cancelled task; a new task is not cancelled.)
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Task { [database] in try await database.write(updates) }.value
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs, batches, audit") { db in
            try db.create(table: "batch") { t in
                t.primaryKey("id", .text)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "job") { t in
                t.primaryKey("id", .text)
                t.column("batch_id", .text).references("batch", onDelete: .cascade)
                t.column("position", .integer).notNull().defaults(to: 0)
                t.column("file_name", .text).notNull()
                t.column("audio_path", .text)
                t.column("parameters", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("created_at", .datetime).notNull()
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("processed_seconds", .double)
                t.column("total_seconds", .double)
                t.column("model", .text)
                t.column("device", .text)
                t.column("transcript", .text)
                t.column("text", .text)
                t.column("error", .text)
                t.column("processing_ms", .double)
            }
            try db.create(index: "job_by_state", on: "job", columns: ["state"])
            try db.create(index: "job_by_batch", on: "job", columns: ["batch_id", "position"])
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("parameters", .text)
                t.column("result", .text).notNull()
                t.column("detail", .text)
                t.column("memory_before", .text)
                t.column("memory_after", .text)
                t.column("duration_ms", .double)
            }
            try db.create(index: "audit_by_action", on: "audit", columns: ["action"])
        }
        // A failed job keeps why, as the service's code, so that its waiter (or anyone after a
        // restart) gets the same error the job failed with.
        migrator.registerMigration("v2: job error codes") { db in
            try db.alter(table: "job") { t in
                t.add(column: "error_code", .text)
                t.add(column: "error_api_code", .text)
            }
        }
        // The memory each job used, charged to the job (JobMemory), as JSON.
        migrator.registerMigration("v3: job memory") { db in
            try db.alter(table: "job") { t in t.add(column: "memory", .text) }
        }
        // Why a running job waits for memory (Note [Admission by prediction]).
        migrator.registerMigration("v4: job waiting") { db in
            try db.alter(table: "job") { t in t.add(column: "waiting", .text) }
        }
        return migrator
    }
}
