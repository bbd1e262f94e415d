import Foundation
import PostgresNIO
import Service

/// The fleet's rows (Note [The fleet]): one report per worker, replaced every round, and the
/// commands, each taken by its worker once and answered in its own row.
extension PostgresStore: FleetStore {
    public var workerName: String { settings.worker }

    static let commandChannel = "auris_commands"

    public func publish(_ report: WorkerReport) async throws {
        let json = try Self.json(report)
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO worker (name, seen_at, report) VALUES (\(report.name), now(), \(json))
                    ON CONFLICT (name) DO UPDATE SET seen_at = now(), report = excluded.report
                    """, logger: logger)
                // What no one needs any more: workers gone for a day, commands asked a day ago.
                try await connection.query("DELETE FROM worker WHERE seen_at < now() - interval '1 day'", logger: logger)
                try await connection.query("DELETE FROM command WHERE requested_at < now() - interval '1 day'", logger: logger)
            }
        }
    }

    public func workers(within seconds: Double) async throws -> [(report: WorkerReport, secondsSinceReport: Double)] {
        try await rows("""
            SELECT report, extract(epoch FROM now() - seen_at)::float8 FROM worker
            WHERE seen_at > now() - make_interval(secs => \(seconds)) ORDER BY name
            """) { row in
            let (json, age) = try row.decode((String, Double).self)
            return (try Self.decodeJSON(WorkerReport.self, json)!, age)
        }
    }

    public func send(_ action: ClearAction, device: String?, actor: String, to worker: String) async throws -> Int64 {
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                var id: Int64 = 0
                for try await value in try await connection.query("""
                    INSERT INTO command (worker, action, device, actor) VALUES (\(worker), \(action.rawValue), \(device), \(actor))
                    RETURNING id
                    """, logger: logger).decode(Int64.self) { id = value }
                try await connection.query("SELECT pg_notify(\(Self.commandChannel), \(worker))", logger: logger)
                return id
            }
        }
    }

    static let commandColumns = "id, worker, action, device, actor, done_at IS NOT NULL, result, audit_id, error"

    static func command(from row: PostgresRow) throws -> FleetCommand {
        let (id, worker, action, device, actor, done, result, auditID, error) =
            try row.decode((Int64, String, String, String?, String, Bool, String?, Int64?, String?).self)
        return FleetCommand(id: id, worker: worker, action: ClearAction(rawValue: action) ?? .clearCache, device: device, actor: actor,
                            done: done, result: try decodeJSON(MemoryControl.ClearCacheResult.self, result), auditID: auditID, error: error)
    }

    public func takeCommands() async throws -> [FleetCommand] {
        try await rows("""
            UPDATE command SET taken_at = now() WHERE worker = \(settings.worker) AND taken_at IS NULL
            RETURNING \(unescaped: Self.commandColumns)
            """, Self.command(from:)).sorted { $0.id < $1.id }
    }

    public func complete(_ id: Int64, result: MemoryControl.ClearCacheResult?, auditID: Int64?, error: String?) async throws {
        let json = try Self.json(result)
        _ = try await rows("""
            UPDATE command SET done_at = now(), result = \(json), audit_id = \(auditID), error = \(error) WHERE id = \(id) RETURNING id
            """, { _ in () })
    }

    public func command(_ id: Int64) async throws -> FleetCommand? {
        try await rows("SELECT \(unescaped: Self.commandColumns) FROM command WHERE id = \(id)", Self.command(from:)).first
    }

    public func withdraw(_ id: Int64) async throws -> Bool {
        try await !rows("DELETE FROM command WHERE id = \(id) AND taken_at IS NULL RETURNING id", { _ in () }).isEmpty
    }

    public func watchCommands(_ onCommand: @escaping @Sendable () -> Void) {
        listen(on: Self.commandChannel) { [worker = settings.worker] payload in
            if payload == worker { onCommand() }
        }
    }
}
