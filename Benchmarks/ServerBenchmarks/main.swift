// `POST /api/system/clear_cache` against a running server whose host allocator holds 1,000
// cached segments before every request: HTTP latency percentiles (target p99 ≤ 10 ms), the
// server's own duration, and `GET /health` on the same connection as the peer (the cost of HTTP
// alone). Run: swift run -c release ServerBenchmarks [requests]
import DeviceMemory
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GPU
import Hummingbird
import Logging
import Server

func runBenchmark() async throws {
    let requests = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200
    let segments = 1_000
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let allocators = try DeviceAllocators(configuration: AllocatorConfiguration(historyCapacity: 0))
    let host = try allocators.allocator(for: .cpu)
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("auris-bench-\(UUID().uuidString)")
    let configuration = ServerConfiguration(port: 0, dataDirectory: data, modelsDirectory: root.appendingPathComponent("models"))
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = try await buildApplication(configuration, allocators: allocators, logger: logger) { channel in
        portContinuation.yield(channel.localAddress?.port ?? 0)
    }
    let server = Task { try await app.runService(gracefulShutdownSignals: []) }
    var portIterator = ports.makeAsyncIterator()
    let port = await portIterator.next() ?? 0

    /// Two 1 MiB blocks fill a 2 MiB small-pool segment; freeing both leaves it cached and whole.
    func fillCache() throws {
        let blocks = try (0..<(2 * segments)).map { _ in try host.allocate(byteCount: 1 << 20) }
        for block in blocks { try host.free(block) }
    }

    func timed(_ method: String, _ path: String) async throws -> (milliseconds: Double, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
        request.httpMethod = method
        let start = DispatchTime.now().uptimeNanoseconds
        let (body, response) = try await URLSession.shared.data(for: request)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        precondition((response as? HTTPURLResponse)?.statusCode == 200, "\(path) failed: \(String(decoding: body, as: UTF8.self))")
        return (elapsed, body)
    }

    var clear: [Double] = [], health: [Double] = [], serverSide: [Double] = [], released: [Int] = []
    for index in 0..<(requests + 5) {
        try fillCache()
        let (milliseconds, body) = try await timed("POST", "api/system/clear_cache")
        let (healthMilliseconds, _) = try await timed("GET", "health")
        let json = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        guard index >= 5 else { continue }  // warm-up
        clear.append(milliseconds)
        health.append(healthMilliseconds)
        serverSide.append(json["duration_ms"] as! Double)
        released.append(((json["devices"] as! [[String: Any]])[0]["released_segments"] as! Int))
    }
    precondition(released.allSatisfy { $0 == segments }, "every request should release \(segments) segments")

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
    func format(_ value: Double) -> String { String(format: "%.3f ms", value) }
    print("clear_cache with \(segments) cached segments, \(requests) requests (target p99 ≤ 10 ms)")
    print("  HTTP clear_cache   p50 \(format(percentile(clear, 0.5)))  p99 \(format(percentile(clear, 0.99)))  max \(format(clear.max()!))")
    print("  server-side        p50 \(format(percentile(serverSide, 0.5)))  p99 \(format(percentile(serverSide, 0.99)))")
    print("  HTTP /health peer  p50 \(format(percentile(health, 0.5)))  p99 \(format(percentile(health, 0.99)))")
    print("  p99 ratio clear_cache / health: \(String(format: "%.1f", percentile(clear, 0.99) / percentile(health, 0.99)))")
    server.cancel()
    _ = await server.result
    try? FileManager.default.removeItem(at: data)
}

try await runBenchmark()
