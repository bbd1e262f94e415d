import Hummingbird
import Logging

/// Writes every administrative action and every refusal through swift-log, with the actor (the
/// peer address) and the figures before and after.
struct AdminLog: Sendable {
    let logger: Logger

    func record(_ context: AurisRequestContext, action: String, detail: String) {
        logger.notice("admin action", metadata: [
            "actor": "\(PeerAddress.describe(context.remoteAddress))", "action": "\(action)", "detail": "\(detail)"])
    }

    func refusal(peer: String, path: String, reason: String) {
        logger.warning("admin refused", metadata: ["actor": "\(peer)", "path": "\(path)", "reason": "\(reason)"])
    }
}
