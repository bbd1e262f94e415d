import Foundation
import GRDB

/// A batch: files sent together, run one after another, followed as one.
public struct BatchRecord: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "batch"
    public var id: String
    public var createdAt: Date

    public init(id: String = UUID().uuidString.lowercased(), createdAt: Date = Date()) {
        self.id = id
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
    }
}
