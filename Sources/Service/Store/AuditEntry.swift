import DeviceMemory
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
    /// `ok`, `refused` or `failed`.
    public var result: String
    /// A sentence: why, or what came of it.
    public var detail: String?
    public var memoryBefore: [DeviceUsage]?
    public var memoryAfter: [DeviceUsage]?
    public var durationMilliseconds: Double?

    public init(time: Date = Date(), actor: String, action: String, parameters: String? = nil, result: String,
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

/// A device's memory at one moment, as the audit log records it before and after an action.
public struct DeviceUsage: Sendable, Codable, Equatable {
    public var device: String
    public var allocatedBytes: Int
    public var reservedBytes: Int
    public var deviceFreeBytes: Int
    public var deviceTotalBytes: Int

    public init(device: DeviceID, usage: MemoryUsage, memory: DeviceMemoryInfo) {
        self.device = device.description
        allocatedBytes = usage.allocatedBytes
        reservedBytes = usage.reservedBytes
        deviceFreeBytes = memory.freeBytes
        deviceTotalBytes = memory.totalBytes
    }

    enum CodingKeys: String, CodingKey {
        case device
        case allocatedBytes = "allocated_bytes"
        case reservedBytes = "reserved_bytes"
        case deviceFreeBytes = "device_free_bytes"
        case deviceTotalBytes = "device_total_bytes"
    }
}
