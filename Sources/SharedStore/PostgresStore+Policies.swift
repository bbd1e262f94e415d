import Foundation
import PostgresNIO
import Service

/// The memory policies, one row for every worker sharing the database: a change saved on one
/// worker is announced on `auris_policies` and installed by the others.
extension PostgresStore: PolicyStore {
    static let policiesChannel = "auris_policies"

    public func loadPolicies() async throws -> MemoryPolicies? {
        try await rows("SELECT value FROM setting WHERE name = 'policies'") { row in
            try Self.decodeJSON(MemoryPolicies.self, try row.decode(String.self))
        }.first ?? nil
    }

    public func savePolicies(_ policies: MemoryPolicies) async throws {
        let json = try Self.json(policies)
        try await run { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    INSERT INTO setting (name, value, updated_at, updated_by) VALUES ('policies', \(json), now(), \(settings.worker))
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by
                    """, logger: logger)
                try await connection.query("SELECT pg_notify(\(Self.policiesChannel), \(settings.worker))", logger: logger)
            }
        }
    }

    public func watchPolicies(_ onChange: @escaping @Sendable (MemoryPolicies) -> Void) {
        listen(on: Self.policiesChannel) { [weak self, worker = settings.worker] savedBy in
            guard savedBy != worker, let self else { return }
            Task {
                do {
                    if let policies = try await self.loadPolicies() { onChange(policies) }
                } catch {
                    self.logger.warning("reading the policies another worker saved failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
