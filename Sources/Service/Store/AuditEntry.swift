import Foundation
import GRDB

/// One line of the audit log: an administrative action, a refusal, or an automatic cleanup.
public struct AuditEntry: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"

    public var id: Int64?
    public var time: Date
    /// Who acted: the peer address of an HTTP caller, or `policy:NAME` for the janitor.
    public var actor: String
    /// What was done, as `area.verb` (`memory.clear_cache`, `model.unload`, `admin.refused`).
    public var action: String
    /// The request's parameters, as given (JSON or a query string).
    public var parameters: String?
    /// How it ended.
    public var result: AuditOutcome
    /// A sentence: why, or what came of it.
    public var detail: String?
    public var memoryBefore: [DeviceUsage]?
    public var memoryAfter: [DeviceUsage]?
    public var durationMilliseconds: Double?

    public init(time: Date = Date(), actor: String, action: String, parameters: String? = nil, result: AuditOutcome,
                detail: String? = nil, memoryBefore: [DeviceUsage]? = nil, memoryAfter: [DeviceUsage]? = nil,
                durationMilliseconds: Double? = nil) {
        self.time = time
        self.actor = actor
        self.action = action
        self.parameters = parameters
        self.result = result
        self.detail = detail
        self.memoryBefore = memoryBefore
        self.memoryAfter = memoryAfter
        self.durationMilliseconds = durationMilliseconds
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, time, actor, action, parameters, result, detail
        case memoryBefore = "memory_before"
        case memoryAfter = "memory_after"
        case durationMilliseconds = "duration_ms"
    }
}
