import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Server
import Service

/// The server's routes called in process, without a socket: a request goes straight to the
/// router's responder, with a testing channel standing in for the connection (its peer address
/// is what the admin check reads), and errors become responses as the HTTP server makes them.
/// The job queue's workers run, so requests that wait for a job get their answer.
final class InProcessRouter: @unchecked Sendable {
    let service: AurisService
    let responder: RouterResponder<AurisRequestContext>
    let dataDirectory: URL
    private let workers: Task<Void, any Error>

    struct Reply {
        let status: Int
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] { try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:] }
        /// `{"error": {"code", "message"}}`'s code, when it has that shape and a message.
        var errorCode: String? {
            guard let error = (try? json())?["error"] as? [String: Any], let message = error["message"] as? String,
                  !message.isEmpty else { return nil }
            return error["code"] as? String
        }
    }

    init(maxUploadBytes: Int = 1 << 20, modelsDirectory: URL = LiveServer.modelsDirectory) async throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("auris-router-\(UUID().uuidString)")
        let configuration = ServerConfiguration(dataDirectory: dataDirectory, modelsDirectory: modelsDirectory,
                                                maxUploadBytes: maxUploadBytes, threads: 2)
        var logger = Logger(label: "auris-router-test")
        logger.logLevel = .critical
        service = try await AurisService.open(configuration.serviceConfiguration, logger: logger)
        responder = buildRouter(service, configuration: configuration, logger: logger).buildResponder()
        let queue = service.queue
        workers = Task { try await queue.run() }
    }

    func stop() async {
        service.queue.stop()
        _ = try? await workers.value
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// Sends a request as if from `peer` (loopback unless said).
    func request(_ method: HTTPRequest.Method, _ path: String, body: Data = Data(), headers: [String: String] = [:],
                 peer: String = "127.0.0.1") async throws -> Reply {
        let channel = NIOAsyncTestingChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 50_000)
        var fields = HTTPFields()
        for (name, value) in headers { fields[.init(name)!] = value }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: fields),
                              body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let context = AurisRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: Logger(label: "test")))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let collected = Collected()
        try await response.body.write(Collector(into: collected))
        return Reply(status: Int(response.status.code), body: collected.data)
    }

    private final class Collected: @unchecked Sendable { var data = Data() }

    private struct Collector: ResponseBodyWriter {
        let into: Collected
        mutating func write(_ buffer: ByteBuffer) async throws { into.data.append(contentsOf: buffer.readableBytesView) }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
