import Foundation
import GRDB

extension SQLiteStore {
    public func prune(historyBefore historyCutoff: Date?, auditBefore auditCutoff: Date?) async throws -> PrunedRecords {
        try await write { db in
            var pruned = PrunedRecords(jobs: 0, auditEntries: 0)
            if let historyCutoff {
                try db.execute(sql: "DELETE FROM job WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?",
                               arguments: [historyCutoff])
                pruned.jobs = db.changesCount
                try db.execute(sql: "DELETE FROM batch WHERE NOT EXISTS (SELECT 1 FROM job WHERE job.batch_id = batch.id)")
            }
            if let auditCutoff {
                try db.execute(sql: "DELETE FROM audit WHERE time < ?", arguments: [auditCutoff])
                pruned.auditEntries = db.changesCount
            }
            return pruned
        }
    }
}
