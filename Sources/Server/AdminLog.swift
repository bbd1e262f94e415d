import DeviceMemory
import Foundation
import Hummingbird
import Logging
import Service

/// The audit log: every administrative action, every refusal and every automatic cleanup, with
/// the actor (the peer address, or `policy:NAME`), the parameters, the result, the memory of
/// every opened device before and after, and the time taken. Kept in the store and written
/// through swift-log as well.
struct AdminLog: Sendable {
    let logger: Logger
    let store: Store
    let memory: MemoryControl
    let now: @Sendable () -> Date

    /// Runs an administrative action for the caller of `context` and records it, whether it
    /// succeeds (`ok`, with the detail `body` returns) or throws (`failed`, with the message).
    func perform<Value: Sendable>(
        _ context: AurisRequestContext, action: String, parameters: String? = nil,
        _ body: () async throws -> (value: Value, detail: String)
    ) async throws -> Value {
        let before = memory.usage()
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let (value, detail) = try await body()
            await append(AuditEntry(time: now(), actor: Self.actor(context), action: action, parameters: parameters, result: "ok",
                                    detail: detail, memoryBefore: before, memoryAfter: memory.usage(),
                                    durationMilliseconds: Self.milliseconds(since: started)))
            return value
        } catch {
            await append(AuditEntry(time: now(), actor: Self.actor(context), action: action, parameters: parameters,
                                    result: "failed", detail: "\(ErrorMappingMiddleware.map(error).message)",
                                    memoryBefore: before, memoryAfter: memory.usage(),
                                    durationMilliseconds: Self.milliseconds(since: started)))
            throw error
        }
    }

    /// An automatic action of the memory janitor.
    @Sendable func policyAction(_ record: MemoryCare.ActionRecord) async {
        var detail = record.action.reason
        if let report = record.report {
            detail += "; released \(report.releasedBytes) bytes in \(report.releasedSegments) segments"
        }
        await append(AuditEntry(time: now(), actor: "policy:\(record.action.policy.rawValue)",
                                action: "policy.\(Self.verb(record.action))", parameters: nil, result: "ok", detail: detail,
                                memoryBefore: record.before, memoryAfter: record.after,
                                durationMilliseconds: record.durationMilliseconds))
    }

    /// A caller turned away from an administrative route.
    func refusal(peer: String, path: String, reason: String) async {
        await append(AuditEntry(time: now(), actor: peer, action: "admin.refused", parameters: path, result: "refused",
                                detail: reason))
    }

    /// Something the server itself did (recovering jobs at start, unloading at shutdown).
    func server(_ action: String, detail: String) async {
        await append(AuditEntry(time: now(), actor: "server", action: action, result: "ok", detail: detail,
                                memoryBefore: nil, memoryAfter: memory.usage()))
    }

    private func append(_ entry: AuditEntry) async {
        var metadata: Logger.Metadata = ["actor": "\(entry.actor)", "action": "\(entry.action)", "result": "\(entry.result)"]
        if let detail = entry.detail { metadata["detail"] = "\(detail)" }
        if let parameters = entry.parameters { metadata["parameters"] = "\(parameters)" }
        for (before, after) in zip(entry.memoryBefore ?? [], entry.memoryAfter ?? []) {
            metadata["\(before.device).reserved"] = "\(before.reservedBytes) -> \(after.reservedBytes)"
            metadata["\(before.device).allocated"] = "\(before.allocatedBytes) -> \(after.allocatedBytes)"
        }
        logger.log(level: entry.result == "ok" ? .notice : .warning, "audit", metadata: metadata)
        do {
            try await store.append(entry)
        } catch {
            logger.error("the audit log could not be written", metadata: ["error": "\(error)", "action": "\(entry.action)"])
        }
    }

    static func actor(_ context: AurisRequestContext) -> String { PeerAddress.describe(context.remoteAddress) }

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
