import Foundation
import Logging

/// The audit log: every administrative action, every refusal and every automatic cleanup, with
/// the actor (the peer address, or `policy:NAME`), the parameters, the outcome, the memory of
/// every opened device before and after, and the time taken. Kept in the store and written
/// through swift-log as well.
public struct AuditLog: Sendable {
    public let logger: Logger
    public let store: any JobStore
    public let memory: MemoryControl
    let now: @Sendable () -> Date

    public init(logger: Logger, store: any JobStore, memory: MemoryControl, now: @escaping @Sendable () -> Date = Date.init) {
        self.logger = logger
        self.store = store
        self.memory = memory
        self.now = now
    }

    /// Runs an administrative action for `actor` and records it, whether it succeeds (`ok`, with
    /// the detail `body` returns) or throws (`failed`, with the message the caller will see).
    public func perform<Value: Sendable>(
        actor: String, action: String, parameters: String? = nil,
        _ body: () async throws -> (value: Value, detail: String)
    ) async throws -> Value {
        let before = memory.usage()
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let (value, detail) = try await body()
            await append(AuditEntry(time: now(), actor: actor, action: action, parameters: parameters, result: .ok,
                                    detail: detail, memoryBefore: before, memoryAfter: memory.usage(),
                                    durationMilliseconds: Self.milliseconds(since: started)))
            return value
        } catch {
            await append(AuditEntry(time: now(), actor: actor, action: action, parameters: parameters,
                                    result: .failed, detail: ServiceError(mapping: error).message,
                                    memoryBefore: before, memoryAfter: memory.usage(),
                                    durationMilliseconds: Self.milliseconds(since: started)))
            throw error
        }
    }

    /// A clear, recorded with the allocator's own before and after (no second sampling).
    @discardableResult
    func recordClear(actor: String, action: String, result: MemoryControl.ClearCacheResult, detail: String) async -> AuditEntry? {
        await append(AuditEntry(time: now(), actor: actor, action: action, result: .ok, detail: detail,
                                memoryBefore: result.devices.map { DeviceUsage(device: $0.device, usage: $0.before, memory: $0.deviceBefore) },
                                memoryAfter: result.devices.map { DeviceUsage(device: $0.device, usage: $0.after, memory: $0.deviceAfter) },
                                durationMilliseconds: result.durationMilliseconds))
    }

    /// An automatic action of the memory janitor.
    @Sendable public func policyAction(_ record: MemoryCare.ActionRecord) async {
        var detail = record.action.reason
        if let report = record.report {
            detail += "; released \(report.releasedBytes) bytes in \(report.releasedSegments) segments"
        }
        await append(AuditEntry(time: now(), actor: "policy:\(record.action.policy.rawValue)",
                                action: "policy.\(Self.verb(record.action))", parameters: nil, result: .ok, detail: detail,
                                memoryBefore: record.before, memoryAfter: record.after,
                                durationMilliseconds: record.durationMilliseconds))
    }

    /// A caller turned away from an administrative route.
    public func refusal(actor: String, path: String, reason: String) async {
        await append(AuditEntry(time: now(), actor: actor, action: "admin.refused", parameters: path, result: .refused, detail: reason))
    }

    /// Something the server itself did (recovering jobs at start, unloading at shutdown), or
    /// met (a job out of memory).
    public func server(_ action: String, result: AuditOutcome = .ok, detail: String) async {
        await append(AuditEntry(time: now(), actor: "server", action: action, result: result, detail: detail,
                                memoryBefore: nil, memoryAfter: memory.usage()))
    }

    /// Entries, newest first, whose action starts with `actionPrefix`.
    public func entries(actionPrefix: String?, limit: Int, offset: Int) async throws -> (total: Int, entries: [AuditEntry]) {
        try await store.audit(actionPrefix: actionPrefix, limit: limit, offset: offset)
    }

    /// Writes the entry; returns it with its id, or nil when the store failed (and says so in the log).
    @discardableResult
    private func append(_ entry: AuditEntry) async -> AuditEntry? {
        var metadata: Logger.Metadata = ["actor": "\(entry.actor)", "action": "\(entry.action)", "result": "\(entry.result.rawValue)"]
        if let detail = entry.detail { metadata["detail"] = "\(detail)" }
        if let parameters = entry.parameters { metadata["parameters"] = "\(parameters)" }
        for (before, after) in zip(entry.memoryBefore ?? [], entry.memoryAfter ?? []) {
            metadata["\(before.device).reserved"] = "\(before.reservedBytes) -> \(after.reservedBytes)"
            metadata["\(before.device).allocated"] = "\(before.allocatedBytes) -> \(after.allocatedBytes)"
        }
        logger.log(level: entry.result == .ok ? .notice : .warning, "audit", metadata: metadata)
        do {
            return try await store.append(entry)
        } catch {
            logger.error("the audit log could not be written", metadata: ["error": "\(error)", "action": "\(entry.action)"])
            return nil
        }
    }

    static func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }

    static func verb(_ action: JanitorAction) -> String {
        switch action {
        case .warn: "warning"
        case .clearWarning: "warning_cleared"
        case .emptyCache: "clear_cache"
        case .unloadModel: "unload_model"
        }
    }
}
