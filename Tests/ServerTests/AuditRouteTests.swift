import Foundation
import Testing

/// Every administrative action lands in the audit log with its actor, result and the memory
/// before and after; failures are recorded as failures.
@Suite("Audit route", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct AuditRouteTests {
    @Test func everyAdminActionIsAudited() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        #expect(try await server.request("POST", "/api/models/whisper-tiny.en/load").status == 200)
        #expect(try await server.request("POST", "/api/system/clear_cache").status == 200)
        #expect(try await server.request("PUT", "/api/system/policies", body: Data(#"{"cleanup_schedule": "bad"}"#.utf8)).status == 400)
        #expect(try await server.request("PUT", "/api/system/policies", body: Data(#"{"cleanup_every_jobs": 5}"#.utf8)).status == 200)
        #expect(try await server.request("POST", "/api/models/whisper-tiny.en/unload").status == 200)
        #expect(try await server.request("POST", "/api/models/no-such-model/unload").status == 404)
        #expect(try await server.request("POST", "/api/system/unload_and_clear").status == 200)

        let entries = try await server.audit()
        #expect(entries.map { "\($0["action"] as? String ?? "") \($0["result"] as? String ?? "")" } == [
            "memory.unload_and_clear ok", "model.unload failed", "model.unload ok", "policies.update ok",
            "policies.update failed", "memory.clear_cache ok", "model.load ok",
        ], "newest first")
        for entry in entries {
            #expect(entry["actor"] as? String == "127.0.0.1")
            #expect((entry["memory_before"] as? [[String: Any]])?.first?["reserved_bytes"] is Int)
            #expect((entry["memory_after"] as? [[String: Any]])?.first?["device_total_bytes"] is Int)
            #expect(entry["duration_ms"] is Double && entry["time"] is String)
        }
        let load = try #require(entries.last)
        let before = try #require((load["memory_before"] as? [[String: Any]])?.first?["allocated_bytes"] as? Int)
        let after = try #require((load["memory_after"] as? [[String: Any]])?.first?["allocated_bytes"] as? Int)
        #expect(after > before + (50 << 20), "loading shows the weights arriving")
        #expect((entries[4]["detail"] as? String)?.contains("bad") == true, "a refusal says why: \(entries[4])")
        #expect(try await server.audit(action: "model.").count == 3)
        #expect(try await server.request("GET", "/api/system/audit?limit=2&offset=1").json()["total"] as? Int == 7)
    }
}
