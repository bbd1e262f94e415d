import DeviceMemory
import Foundation
import GPU
import Server
import Synchronization
import Service
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: String) { time = Mutex(ISO8601DateFormatter().date(from: start)!) }
    func advance(seconds: Double) { time.withLock { $0 += seconds } }
    func set(_ moment: String) { time.withLock { $0 = ISO8601DateFormatter().date(from: moment)! } }
    /// The server reads this clock; its janitor looks every 20 ms.
    var server: ServerClock {
        ServerClock(now: { [self] in time.withLock { $0 } }, careInterval: .milliseconds(20), retentionInterval: .milliseconds(20))
    }
}

/// Every automatic policy fires over a real server when, and only when, it should — with the
/// time moved by hand — and leaves an audit entry with the memory before and after.
@Suite("Policies firing", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct PolicyFiringTests {
    /// The janitor's entries of one policy.
    static func entries(_ server: LiveServer, _ policy: String) async throws -> [[String: Any]] {
        try await server.audit().filter { $0["actor"] as? String == "policy:\(policy)" }
    }

    /// Lets the janitor's timer run a few times.
    static func settle() async throws { try await Task.sleep(for: .milliseconds(300)) }

    static func put(_ server: LiveServer, _ json: String) async throws {
        let reply = try await server.request("PUT", "/api/system/policies", body: Data(json.utf8))
        #expect(reply.status == 200, "\(reply.text)")
    }

    @Test func thresholdWarnsAndCleansOnlyAboveTheLine() async throws {
        // A 1 GiB device: the weights alone are about a sixth of it.
        let allocators = try DeviceAllocators(configuration: .default, hostCapacityBytes: 1 << 30)
        let clock = TestClock("2026-11-30T10:00:00Z")
        let server = try await LiveServer(allocators: allocators, clock: clock.server)
        defer { Task { await server.stop() } }
        try await Self.put(server, #"{"warning_fraction": 0.9, "cleanup_every_jobs": 0}"#)
        #expect(try await server.request("POST", "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav")).status == 200)
        try await Self.settle()
        #expect(try await Self.entries(server, "threshold").isEmpty, "below the line nothing happens")
        #expect((try await server.request("GET", "/api/system/memory").json()["warnings"] as? [Any])?.isEmpty == true)

        try await Self.put(server, #"{"warning_fraction": 0.05}"#)
        #expect(try await eventually { try await Self.entries(server, "threshold").count >= 2 })
        let fired = try await Self.entries(server, "threshold")
        #expect(fired.map { $0["action"] as? String ?? "" }.sorted() == ["policy.clear_cache", "policy.warning"], "\(fired)")
        let warnings = try #require(try await server.request("GET", "/api/system/memory").json()["warnings"] as? [[String: Any]])
        #expect(warnings.count == 1 && (warnings.first?["suggestion"] as? String)?.isEmpty == false)
        let clear = try #require(fired.first { $0["action"] as? String == "policy.clear_cache" })
        let before = try #require((clear["memory_before"] as? [[String: Any]])?.first)
        let after = try #require((clear["memory_after"] as? [[String: Any]])?.first)
        #expect((after["reserved_bytes"] as! Int) < (before["reserved_bytes"] as! Int), "the cleanup released the cache")
        #expect(after["allocated_bytes"] as? Int == before["allocated_bytes"] as? Int)

        try await Self.settle()
        #expect(try await Self.entries(server, "threshold").count == 2, "once per crossing, not on every tick")
        try await Self.put(server, #"{"warning_fraction": 0.9}"#)
        #expect(try await eventually { try await Self.entries(server, "threshold").first?["action"] as? String == "policy.warning_cleared" })
    }

    @Test func scheduleFiresAtItsTimeOnly() async throws {
        let clock = TestClock("2026-11-30T10:59:00Z")
        let server = try await LiveServer(clock: clock.server)
        defer { Task { await server.stop() } }
        try await Self.put(server, #"{"cleanup_schedule": "0 * * * *", "cleanup_every_jobs": 0}"#)
        try await Self.settle()
        #expect(try await Self.entries(server, "schedule").isEmpty, "not due at 10:59")
        clock.set("2026-11-30T11:00:01Z")
        #expect(try await eventually { try await !Self.entries(server, "schedule").isEmpty })
        #expect(try await Self.entries(server, "schedule").map { $0["action"] as? String } == ["policy.clear_cache"])
        clock.set("2026-11-30T11:30:00Z")
        try await Self.settle()
        #expect(try await Self.entries(server, "schedule").count == 1, "once per due time")
        clock.set("2026-11-30T12:00:00Z")
        #expect(try await eventually { try await Self.entries(server, "schedule").count == 2 })
    }

    @Test func idleModelsAreUnloadedAfterTheirKeepAlive() async throws {
        let clock = TestClock("2026-11-30T10:00:00Z")
        let server = try await LiveServer(keepAlive: .seconds(300), clock: clock.server)
        defer { Task { await server.stop() } }
        func loaded() async throws -> Bool {
            let models = try #require(try await server.request("GET", "/api/models").json()["models"] as? [[String: Any]])
            return models.first { $0["id"] as? String == "whisper-tiny.en" }?["loaded"] as? Bool == true
        }
        #expect(try await server.request("POST", "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav")).status == 200)
        clock.advance(seconds: 290)
        try await Self.settle()
        #expect(try await loaded(), "still within its keep-alive")
        #expect(try await Self.entries(server, "idle_unload").isEmpty)
        clock.advance(seconds: 20)
        #expect(try await eventually { try await !loaded() }, "idle for 310 s > 300 s")
        #expect(try await eventually { try await Self.entries(server, "idle_unload").count >= 2 })
        let actions = try await Self.entries(server, "idle_unload").map { $0["action"] as? String }
        #expect(actions.contains("policy.unload_model") && actions.contains("policy.clear_cache"), "\(actions)")
    }

    @Test func everyNJobsCleansOnTheNthJob() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        try await Self.put(server, #"{"cleanup_every_jobs": 2, "cleanup_minimum_cached_bytes": 0}"#)
        let hello = try LiveServer.clip("en-us_hello.wav")
        #expect(try await server.request("POST", "/api/transcriptions", body: hello).status == 200)
        #expect(try await Self.entries(server, "every_n_jobs").isEmpty, "not after the first job")
        #expect(try await server.request("POST", "/api/transcriptions", body: hello).status == 200)
        // The janitor has run by the time the second answer comes: it runs between jobs.
        #expect(try await Self.entries(server, "every_n_jobs").map { $0["action"] as? String } == ["policy.clear_cache"])
    }
}
