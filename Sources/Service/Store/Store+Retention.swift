import Foundation
import GRDB

extension Store {
    /// What `prune` removed.
    public struct Pruned: Sendable, Equatable {
        public var jobs: Int
        public var auditEntries: Int

        public init(jobs: Int, auditEntries: Int) {
            self.jobs = jobs
            self.auditEntries = auditEntries
        }
    }

    /// Deletes finished jobs that finished before `historyCutoff` (batches left empty go with
    /// them) and audit entries older than `auditCutoff`; nil keeps everything of that kind.
    /// Queued and running jobs are never touched.
    public func prune(historyBefore historyCutoff: Date?, auditBefore auditCutoff: Date?) async throws -> Pruned {
        try await write { db in
            var pruned = Pruned(jobs: 0, auditEntries: 0)
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
