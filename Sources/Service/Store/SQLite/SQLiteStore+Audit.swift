import Foundation
import GRDB

extension SQLiteStore {
    /// Appends an entry to the audit log; returns it with its id.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> AuditEntry {
        try await write { db in
            var entry = entry
            try entry.insert(db)
            return entry
        }
    }

    /// Audit entries, newest first, optionally only those whose action starts with `actionPrefix`.
    public func audit(actionPrefix: String?, limit: Int, offset: Int) async throws -> (total: Int, entries: [AuditEntry]) {
        try await database.read { db in
            var request = AuditEntry.all()
            if let actionPrefix, !actionPrefix.isEmpty {
                request = request.filter(AuditEntry.CodingKeys.action.like(actionPrefix + "%"))
            }
            let total = try request.fetchCount(db)
            let entries = try request.order(AuditEntry.CodingKeys.id.desc).limit(limit, offset: offset).fetchAll(db)
            return (total, entries)
        }
    }
}
