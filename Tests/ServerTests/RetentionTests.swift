import Foundation
import Testing

/// Old history and audit entries are pruned on a long-running server, and the pruning is audited.
@Suite("Retention", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct RetentionTests {
    @Test func finishedJobsAndAuditEntriesExpire() async throws {
        let clock = TestClock("2026-11-30T10:00:00Z")
        let server = try await LiveServer(clock: clock.server) { configuration in
            configuration.historyRetentionDays = 7
            configuration.auditRetentionDays = 30
        }
        defer { Task { await server.stop() } }
        #expect(try await server.request("POST", "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav")).status == 200)
        #expect(try await server.request("POST", "/api/system/clear_cache").status == 200)
        clock.advance(seconds: 6 * 86_400)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await server.request("GET", "/api/history").json()["total"] as? Int == 1, "kept for 7 days")

        clock.advance(seconds: 2 * 86_400)
        let afterEight = try await server.poll("/api/history", timeout: 120) { $0["total"] as? Int == 0 }
        #expect(afterEight["total"] as? Int == 0, "gone after 8")
        #expect(try await eventually { try await !server.audit(action: "server.retention").isEmpty })
        let retention = try await server.audit(action: "server.retention")
        #expect(retention.count == 1 && (retention.first?["detail"] as? String)?.hasPrefix("removed 1 finished jobs") == true)
        #expect(try await server.audit(action: "memory.clear_cache").count == 1, "audit entries are kept for 30 days")

        clock.advance(seconds: 31 * 86_400)
        #expect(try await eventually { try await server.audit(action: "memory.clear_cache").isEmpty })
    }
}
