import Foundation
import PostgresNIO
import Service

/// The audit log, and what retention removes.
extension PostgresStore {
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> AuditEntry {
        let id = try await rows("""
            INSERT INTO audit (time, actor, action, parameters, result, detail, memory_before, memory_after, duration_ms)
            VALUES (\(entry.time), \(entry.actor), \(entry.action), \(entry.parameters), \(entry.result.rawValue), \(entry.detail),
                \(try Self.json(entry.memoryBefore)), \(try Self.json(entry.memoryAfter)), \(entry.durationMilliseconds))
            RETURNING id
            """, { try $0.decode(Int64.self) }).first
        var entry = entry
        entry.id = id
        return entry
    }

    public func audit(actionPrefix: String?, limit: Int, offset: Int) async throws -> (total: Int, entries: [AuditEntry]) {
        let pattern = actionPrefix.flatMap { $0.isEmpty ? nil : Self.literalPattern($0) + "%" }
        let total = try await rows("SELECT count(*) FROM audit WHERE \(pattern)::text IS NULL OR action LIKE \(pattern)") {
            try $0.decode(Int.self)
        }.first ?? 0
        let entries = try await rows("""
            SELECT \(unescaped: Self.auditSelect) FROM audit WHERE \(pattern)::text IS NULL OR action LIKE \(pattern)
            ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """, Self.auditEntry(from:))
        return (total, entries)
    }

    public func prune(historyBefore historyCutoff: Date?, auditBefore auditCutoff: Date?) async throws -> PrunedRecords {
        // A first prune of a long history may take a while.
        try await run(patience: .seconds(300)) { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                var pruned = PrunedRecords(jobs: 0, auditEntries: 0)
                if let historyCutoff {
                    for try await count in try await connection.query("""
                        WITH gone AS (DELETE FROM job WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < \(historyCutoff) RETURNING 1)
                        SELECT count(*) FROM gone
                        """, logger: logger).decode(Int.self) { pruned.jobs = count }
                    try await connection.query("DELETE FROM batch WHERE NOT EXISTS (SELECT 1 FROM job WHERE job.batch_id = batch.id)", logger: logger)
                }
                if let auditCutoff {
                    for try await count in try await connection.query("""
                        WITH gone AS (DELETE FROM audit WHERE time < \(auditCutoff) RETURNING 1) SELECT count(*) FROM gone
                        """, logger: logger).decode(Int.self) { pruned.auditEntries = count }
                }
                return pruned
            }
        }
    }
}
