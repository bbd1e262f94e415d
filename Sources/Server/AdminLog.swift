import DeviceMemory
import Hummingbird
import Logging
import Service

/// Writes every administrative action and every refusal through swift-log, with the actor (the
/// peer address) and the figures before and after.
struct AdminLog: Sendable {
    let logger: Logger

    func record(_ context: AurisRequestContext, action: String, detail: String) {
        logger.notice("admin action", metadata: [
            "actor": "\(PeerAddress.describe(context.remoteAddress))", "action": "\(action)", "detail": "\(detail)"])
    }

    /// An automatic action of the memory janitor, with the figures when memory was released.
    @Sendable func policyAction(_ action: JanitorAction, _ report: EmptyCacheReport?) {
        var metadata: Logger.Metadata = ["actor": "policy:\(action.policy.rawValue)",
                                         "device": "\(action.device)", "reason": "\(action.reason)"]
        if let report {
            metadata["reserved_before"] = "\(report.before.reservedBytes)"
            metadata["reserved_after"] = "\(report.after.reservedBytes)"
            metadata["released_bytes"] = "\(report.releasedBytes)"
        }
        logger.notice("policy action", metadata: metadata)
    }

    func refusal(peer: String, path: String, reason: String) {
        logger.warning("admin refused", metadata: ["actor": "\(peer)", "path": "\(path)", "reason": "\(reason)"])
    }
}
