import Foundation
import Synchronization

/// One server-sent event: its name and its JSON payload.
public struct ServerEvent: Sendable, Equatable {
    public let name: String
    public let json: String

    /// The event in the text/event-stream format.
    public var wireFormat: String { "event: \(name)\ndata: \(json)\n\n" }
}

/// Fans events out to every connected listener (the web page's live gauges, progress bars and
/// warning banner). A listener that falls behind loses its oldest events, never the server's
/// memory: each keeps a bounded buffer.
public final class EventHub: Sendable {
    private let listeners = Mutex<[UUID: AsyncStream<ServerEvent>.Continuation]>([:])

    public init() {}

    public var listenerCount: Int { listeners.withLock { $0.count } }

    /// A new listener's stream; it ends when `unsubscribe` is called.
    public func subscribe() -> (id: UUID, events: AsyncStream<ServerEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: ServerEvent.self, bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        listeners.withLock { $0[id] = continuation }
        return (id, stream)
    }

    /// Ends every listener's stream (at shutdown, so that open event streams let it finish).
    public func closeAll() {
        for listener in listeners.withLock({ listeners in
            defer { listeners = [:] }
            return Array(listeners.values)
        }) { listener.finish() }
    }

    public func unsubscribe(_ id: UUID) {
        listeners.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    /// Sends `value`, encoded as JSON with snake_case keys from its own CodingKeys, to everyone.
    public func publish(_ name: String, _ value: some Encodable) {
        guard listenerCount > 0 else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        let event = ServerEvent(name: name, json: String(decoding: data, as: UTF8.self))
        for listener in listeners.withLock({ Array($0.values) }) { listener.yield(event) }
    }
}
