import NIOCore
import Synchronization

// Note [Clients that hang up]: a request that waits for its transcription is not reading from
// its connection, so nothing in the request's own code learns that the client went away — a
// hostile probe held the only worker for 80 s after its client had gone. NIO does read on (the
// request's inbound buffer is empty, so no backpressure stops it) and, as Hummingbird allows
// half-closed connections, reports the client's FIN as `ChannelEvent.inputClosed`. This handler,
// in every connection's pipeline, turns that (or the connection closing) into a `HangUp` the
// request finds through its context, and the transcription route cancels its job on it.
// Hummingbird's own inbound-close handler is for bodies not yet read; it cannot follow an upload
// that has been read to its end.

/// Whether a connection's client has gone, and who to tell when it does.
final class HangUp: Sendable {
    private struct State {
        var happened = false
        var callbacks: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    /// Calls `callback` once, when the client hangs up (at once if it has).
    func onHangUp(_ callback: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.happened { return true }
            state.callbacks.append(callback)
            return false
        }
        if now { callback() }
    }

    func happen() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.happened else { return [] }
            state.happened = true
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback() }
    }

    /// The hang-up of each open connection, by channel: what a request context looks up.
    private static let open = Mutex<[ObjectIdentifier: HangUp]>([:])

    static func of(_ channel: any Channel) -> HangUp? {
        open.withLock { $0[ObjectIdentifier(channel)] }
    }

    fileprivate static func register(_ channel: any Channel) {
        open.withLock { $0[ObjectIdentifier(channel)] = HangUp() }
    }

    fileprivate static func close(_ channel: any Channel) {
        open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }?.happen()
    }
}

/// Passes everything on; tells the connection's `HangUp` when the client's side closes.
final class HangUpWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) { HangUp.register(context.channel) }
    func handlerRemoved(context: ChannelHandlerContext) { HangUp.close(context.channel) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { HangUp.of(context.channel)?.happen() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        HangUp.close(context.channel)
        context.fireChannelInactive()
    }
}
