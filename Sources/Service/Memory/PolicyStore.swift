import Foundation

/// Where the operator's memory policies are kept so that they survive restarts: a JSON file in
/// the data directory (one machine), or the shared database, where a change made on one worker
/// reaches every worker (docs/scale-out.md).
public protocol PolicyStore: Sendable {
    /// The policies kept, or nil when none have been saved yet.
    func loadPolicies() async throws -> MemoryPolicies?
    func savePolicies(_ policies: MemoryPolicies) async throws
    /// Calls `onChange` with policies another worker saved; a file has no other writer.
    func watchPolicies(_ onChange: @escaping @Sendable (MemoryPolicies) -> Void)
}

extension PolicyStore {
    public func watchPolicies(_ onChange: @escaping @Sendable (MemoryPolicies) -> Void) {}
}

/// The policies as `DATA_DIR/policies.json`, written atomically, readable by a person.
public struct PolicyFile: PolicyStore {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public func loadPolicies() async throws -> MemoryPolicies? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try JSONDecoder().decode(MemoryPolicies.self, from: data)
    }

    public func savePolicies(_ policies: MemoryPolicies) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(policies).write(to: url, options: .atomic)
    }
}
