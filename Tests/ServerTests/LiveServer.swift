import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import NIOCore
import GPU
import Server
import Service
import Testing

/// A real Auris server on an ephemeral loopback port, for tests that need a real socket.
final class LiveServer: @unchecked Sendable {
    // @unchecked: `port` is written once before any request, by the server's start callback.
    let task: Task<Void, any Error>
    let port: Int
    let dataDirectory: URL

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let clips = packageRoot.appendingPathComponent("Tests/WhisperTests/Golden/clips")
    static let modelsDirectory = packageRoot.appendingPathComponent("models")
    /// `make test` sets AURIS_REQUIRE_MODEL=1: there the server tests run, and a missing model
    /// fails them (the server cannot load it) instead of skipping them.
    static var modelRuns: Bool {
        FileManager.default.fileExists(atPath: modelsDirectory.appendingPathComponent("whisper-tiny.en/model.bin").path)
            || ProcessInfo.processInfo.environment["AURIS_REQUIRE_MODEL"] == "1"
    }

    init(maxUploadBytes: Int = 64 << 20, keepAlive: KeepAlive = .seconds(300), dataDirectory: URL? = nil,
         allocators: DeviceAllocators? = nil, clock: ServerClock = .system,
         modelsDirectory: URL = LiveServer.modelsDirectory, defaultModel: String = "whisper-tiny.en",
         configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        self.dataDirectory = dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("auris-server-\(UUID().uuidString)")
        var configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, dataDirectory: self.dataDirectory, modelsDirectory: modelsDirectory, defaultModel: defaultModel,
            maxUploadBytes: maxUploadBytes, keepAlive: keepAlive, threads: 2)
        configure(&configuration)
        var logger = Logger(label: "auris-test")
        logger.logLevel = .critical
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(configuration, allocators: allocators, clock: clock, logger: logger) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
        }
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop(keepingData: Bool = false) async {
        task.cancel()
        _ = await task.result
        if !keepingData { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    struct Reply {
        let status: Int
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(text)")
        }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 300
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// A multipart form with the audio as `file` and the other fields.
    static func multipart(file: Data, name: String, fields: [String: String]) -> (Data, String) {
        let boundary = "auris-\(UUID().uuidString)"
        var body = Data()
        for (key, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: audio/wav\r\n\r\n".utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Polls `path` until `done` says the JSON answer is final (or the time is up).
    func poll(_ path: String, timeout: Double = 240, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await request("GET", path)
            let json = try reply.json()
            if done(json) || Date() > deadline { return json }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The audit log, newest first.
    func audit(action: String? = nil) async throws -> [[String: Any]] {
        let reply = try await request("GET", "/api/system/audit?limit=1000" + (action.map { "&action=\($0)" } ?? ""))
        return try #require(try reply.json()["items"] as? [[String: Any]], "\(reply.text)")
    }

    static func clip(_ name: String) throws -> Data {
        try Data(contentsOf: clips.appendingPathComponent(name))
    }
}

/// Waits until `condition` holds, polling every 50 ms for at most `seconds`, and says whether it
/// did: what a timer on the server does comes later on a loaded machine, so a test of it polls.
func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
