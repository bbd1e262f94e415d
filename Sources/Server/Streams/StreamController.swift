import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Service
import Synchronization

/// `GET /api/stream`, upgraded to a WebSocket: live recognition (docs/server.md, "Live
/// recognition"). The client sends a start message (JSON), then audio as binary messages, then
/// `{"type": "stop"}`; the server answers `ready`, then `partial` and `final` messages as it
/// decides them, then `done`, and closes with 1000 (or, when the stream's job is cancelled, a
/// `job_cancelled` error and 1000).
///
/// Note [Reading while decoding]: decoding an utterance takes longer than the audio frames that
/// arrive meanwhile, so reading and decoding are two tasks: the reader puts every frame into an
/// inbox as it comes, and the decoder takes all that has gathered at once. The decoder thereby
/// always works on the newest audio, and a slow decode never makes the client's sends back up.
struct StreamController {
    let live: LiveStreamService

    /// Close codes besides 1000: the start message or a field in it was wrong; a message of
    /// the wrong kind; the engine failed; the server is full or shutting down.
    enum CloseCode {
        static let badRequest = WebSocketErrorCode.policyViolation  // 1008
        static let badData = WebSocketErrorCode.unacceptableData  // 1003
        static let failed = WebSocketErrorCode.unexpectedServerError  // 1011
        static let tryAgainLater = WebSocketErrorCode(codeNumber: 1013)
    }

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.ws("api/stream") { inbound, outbound, context in
            try await serve(inbound, outbound, actor: context.requestContext.actor)
        }
    }

    private func serve(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, actor: String) async throws {
        var messages = inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
        var request = LiveStreamRequest()
        var firstAudio: [UInt8]?
        do {
            switch try await messages.next() {
            case .text(let json)?: request = try LiveStreamRequest(json: json)
            case .binary(let buffer)?: firstAudio = Array(buffer.readableBytesView)  // no start message: the defaults
            case nil: return
            }
        } catch let error as ServiceError {
            return try await fail(outbound, error, code: CloseCode.badRequest)
        }
        let stream: LiveStream
        do {
            stream = try await live.start(request, actor: actor)
        } catch {
            let code = error.code == .deviceUnavailable || error.code == .shuttingDown ? CloseCode.tryAgainLater
                : error.code == .invalidParameter || error.code == .unknownModel ? CloseCode.badRequest : CloseCode.failed
            return try await fail(outbound, error, code: code)
        }
        try? await outbound.write(.text(StreamMessage.json(StreamMessage.Ready(
            jobID: stream.jobID, model: stream.model, device: stream.device.description,
            sampleRate: request.sampleRate, encoding: request.encoding.rawValue))))
        let inbox = Inbox()
        if let firstAudio { inbox.add(firstAudio) }
        // Cancelled (DELETE /api/jobs/{id}): the decoder stops, the client is told and the socket
        // closes, which ends the reading below even when the client sends nothing more.
        stream.onCancel {
            inbox.end()
            Task { try? await fail(outbound, ServiceError(.cancelled, "the live stream \(stream.jobID) was cancelled"), code: .normalClosure) }
        }
        // Decoding runs in a child task; this one keeps reading (Note [Reading while decoding]).
        let decoding = Task { () async throws -> Void in
            while let bytes = await inbox.next() {
                for event in try await stream.append(bytes) { try? await outbound.write(.text(StreamMessage.json(event))) }
            }
            for event in try await stream.finish() { try? await outbound.write(.text(StreamMessage.json(event))) }
        }
        var failure: ServiceError?
        do {
            while let message = try await messages.next(), !stream.isCancelled {
                if case .binary(let buffer) = message {
                    inbox.add(Array(buffer.readableBytesView))
                    continue
                }
                guard case .text(let text) = message, Self.isStop(text) else {
                    failure = ServiceError.invalid("message", "after the start message only audio (binary) and {\"type\": \"stop\"} are understood, not '\(String(describing: message).prefix(100))'")
                    break
                }
                break
            }
        } catch {
            // The client went away mid-stream: what it said is still transcribed and kept.
        }
        inbox.end()
        if failure != nil { decoding.cancel() }
        do {
            try await decoding.value
        } catch {
            failure = failure ?? ServiceError(mapping: error)
        }
        if stream.isCancelled { return }  // the job ended cancelled and the client was told (onCancel)
        if let failure {
            await stream.close(failure: failure)
            return try await fail(outbound, failure, code: failure.code == .invalidParameter ? CloseCode.badData : CloseCode.failed)
        }
        await stream.close()
        try? await outbound.write(.text(StreamMessage.json(StreamMessage.Done(
            jobID: stream.jobID, duration: stream.audioSeconds, text: await stream.text()))))
        try? await outbound.close(.normalClosure, reason: nil)
    }

    private static func isStop(_ text: String) -> Bool {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])?["type"] as? String == "stop"
    }

    private func fail(_ outbound: WebSocketOutboundWriter, _ error: ServiceError, code: WebSocketErrorCode) async throws {
        try? await outbound.write(.text(StreamMessage.json(error)))
        try await outbound.close(code, reason: String(error.message.prefix(120)))
    }
}

/// Audio gathered between two decodes (Note [Reading while decoding]).
final class Inbox: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func add(_ bytes: [UInt8]) {
        state.withLock { state in
            state.bytes += bytes
            state.waiter.take()?.resume()
        }
    }

    func end() {
        state.withLock { state in
            state.ended = true
            state.waiter.take()?.resume()
        }
    }

    /// Everything gathered since the last call, waiting for some; nil once the reader has ended
    /// and all has been taken.
    func next() async -> [UInt8]? {
        while true {
            let taken: [UInt8]?? = state.withLock { state in
                if !state.bytes.isEmpty { defer { state.bytes = [] }; return .some(state.bytes) }
                return state.ended ? .some(nil) : nil
            }
            if let taken { return taken }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if !state.bytes.isEmpty || state.ended { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
