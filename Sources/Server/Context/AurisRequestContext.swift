import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer address of the
/// socket, which (and never a forwarded header) decides who may use the admin routes.
public struct AurisRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Where an upgrade to a WebSocket (`/api/stream`) is handed its handler.
    public let webSocket = WebSocketHandlerReference<AurisRequestContext>()
    /// The TCP peer of the connection this request arrived on.
    public let remoteAddress: SocketAddress?
    /// Its connection's hang-up (Note [Clients that hang up]); nil for requests made in process.
    let hangUp: HangUp?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.hangUp = HangUp.of(source.channel)
    }

    /// JSON bodies (policies and the like) are small; uploads are streamed, not collected.
    public var maxUploadSize: Int { 1 << 20 }
}

extension AurisRequestContext {
    /// Who is acting, for the audit log: the socket's peer.
    var actor: String { PeerAddress.describe(remoteAddress) }
}
