import Foundation

/// What one worker publishes about itself every few seconds (Note [The fleet]): its memory per
/// device, the models it holds and the ones it can load.
public struct WorkerReport: Codable, Sendable, Equatable {
    /// The worker's name in the shared database: `host:port` (Note [Leases]).
    public var name: String
    /// Where its HTTP API answers, as it was started (`http://host:port`).
    public var url: String
    public var startedAt: Date
    /// Allocated and reserved bytes, and the device's free and total, per opened device.
    public var devices: [DeviceUsage]
    /// The devices it runs jobs on.
    public var serving: [String]
    /// Models loaded now, each with its device.
    public var residentModels: [ResidentModelName]
    /// Every model it can load.
    public var models: [String]

    public init(name: String, url: String, startedAt: Date, devices: [DeviceUsage], serving: [String],
                residentModels: [ResidentModelName], models: [String]) {
        self.name = name
        self.url = url
        self.startedAt = startedAt
        self.devices = devices
        self.serving = serving
        self.residentModels = residentModels
        self.models = models
    }

    enum CodingKeys: String, CodingKey {
        case name, url, devices, serving, models
        case startedAt = "started_at"
        case residentModels = "resident_models"
    }
}

/// A loaded model and the device that holds it.
public struct ResidentModelName: Codable, Sendable, Equatable {
    public var model: String
    public var device: String

    public init(model: String, device: String) {
        self.model = model
        self.device = device
    }
}

/// A worker as `GET /api/fleet` lists it: its last report and how long ago it came.
public struct FleetMember: Encodable, Sendable {
    public var report: WorkerReport
    /// Seconds since the report, by the database's clock.
    public var secondsSinceReport: Double
    /// Whether it has reported recently (within three rounds).
    public var isReporting: Bool
    /// This server itself.
    public var isSelf: Bool

    public func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(secondsSinceReport, forKey: .secondsSinceReport)
        try container.encode(isReporting, forKey: .isReporting)
        try container.encode(isSelf, forKey: .isSelf)
    }

    public init(report: WorkerReport, secondsSinceReport: Double, isReporting: Bool, isSelf: Bool) {
        self.report = report
        self.secondsSinceReport = secondsSinceReport
        self.isReporting = isReporting
        self.isSelf = isSelf
    }

    enum Keys: String, CodingKey {
        case secondsSinceReport = "seconds_since_report"
        case isReporting = "reporting"
        case isSelf = "self"
    }
}

/// A clear asked of one worker, and, once that worker has carried it out, what came of it.
public struct FleetCommand: Codable, Sendable {
    public var id: Int64
    public var worker: String
    public var action: ClearAction
    /// One device, or nil for all the worker's opened devices.
    public var device: String?
    /// Who asked, as the audit log names callers.
    public var actor: String
    public var done: Bool
    public var result: MemoryControl.ClearCacheResult?
    /// The audit entry the worker wrote (in the shared log).
    public var auditID: Int64?
    public var error: String?

    public init(id: Int64, worker: String, action: ClearAction, device: String?, actor: String, done: Bool = false,
                result: MemoryControl.ClearCacheResult? = nil, auditID: Int64? = nil, error: String? = nil) {
        self.id = id
        self.worker = worker
        self.action = action
        self.device = device
        self.actor = actor
        self.done = done
        self.result = result
        self.auditID = auditID
        self.error = error
    }
}
