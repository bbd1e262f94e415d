import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the admin routes of a running server (`--server URL`). The admin
/// routes answer local callers, and remote ones with `AURIS_ADMIN_TOKEN`, which is sent when set.
///
/// Plain HTTP over SwiftNIO, which the server already links: Foundation's URLSession would load
/// libcurl and its TLS stack (about 5 MB of memory and twenty libraries) into every `auris`
/// process, `transcribe` included, for the sake of these two commands. Auris serves plain HTTP;
/// behind a TLS proxy, use curl.
struct ServerClient {
    let host: String
    let port: Int
    let basePath: String
    let display: String

    init(_ text: String) throws {
        guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
            throw UserError("'\(text)' is not a server URL; write e.g. http://127.0.0.1:8080")
        }
        guard url.scheme == "http" else {
            throw UserError("'\(text)': auris speaks plain HTTP to its server (which serves no TLS); write http://HOST:PORT, or use curl through a TLS proxy")
        }
        self.host = host
        self.port = url.port ?? 80
        self.basePath = url.path.hasSuffix("/") ? url.path : url.path + "/"
        self.display = text
    }

    /// Sends the request and returns the body; a non-2xx answer becomes the server's message.
    func send(_ method: String, _ path: String) async throws -> Data {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: basePath + path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: "0")
        if let token = ProcessInfo.processInfo.environment["AURIS_ADMIN_TOKEN"], !token.isEmpty {
            head.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let (status, body): (Int, Data)
        do {
            (status, body) = try await exchange(head)
        } catch {
            throw UserError("cannot reach \(display): \(error)")
        }
        guard (200..<300).contains(status) else {
            let message = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])
                .flatMap { $0["error"] as? [String: Any] }.flatMap { $0["message"] as? String }
            throw UserError("\(display) answered \(status): \(message ?? String(decoding: body, as: UTF8.self))")
        }
        return body
    }

    private func exchange(_ head: HTTPRequestHead) async throws -> (Int, Data) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status = 0, body = Data()
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let bytes): body.append(contentsOf: bytes.readableBytesView)
                case .end: return (status, body)
                }
            }
            return (status, body)
        }
    }
}
