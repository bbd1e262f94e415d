import Foundation
import Testing

/// The fleet routes on a server alone (no shared database): the fleet is this one worker, a
/// clear aimed at it is carried out here and audited, and bad targets get clear errors.
/// Several workers on a real PostgreSQL: scripts/check-fleet.py.
@Suite("Fleet route", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct FleetRouteTests {
    @Test func aloneTheFleetIsThisWorker() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let fleet = try await server.request("GET", "/api/fleet").json()
        let this = try #require(fleet["self"] as? String)
        let workers = try #require(fleet["workers"] as? [[String: Any]])
        #expect(workers.count == 1 && workers[0]["name"] as? String == this && workers[0]["self"] as? Bool == true)
        #expect((workers[0]["devices"] as? [[String: Any]])?.first?["device"] as? String == "cpu")
        #expect((workers[0]["models"] as? [String])?.contains("whisper-tiny.en") == true)

        #expect(try await server.request("POST", "/api/models/whisper-tiny.en/load").status == 200)
        let cleared = try await server.request("POST", "/api/fleet/unload_and_clear?device=cpu")
        #expect(cleared.status == 200)
        let answer = try cleared.json()
        let result = try #require(answer["result"] as? [String: Any])
        #expect(answer["worker"] as? String == this)
        #expect(result["unloaded_models"] as? [String] == ["whisper-tiny.en"])
        let auditID = try #require(answer["audit_id"] as? Int)
        let entry = try #require(try await server.audit(action: "memory.unload_and_clear").first)
        #expect(entry["id"] as? Int == auditID && (entry["detail"] as? String)?.hasPrefix("on cpu: unloaded [whisper-tiny.en]") == true)

        #expect(try await server.request("POST", "/api/fleet/clear_cache?worker=elsewhere:1").status == 404)
        #expect(try await server.request("POST", "/api/fleet/clear_cache?device=cuda:7").status == 404, "a device never opened here")
        #expect(try await server.request("POST", "/api/fleet/clear_cache?device=abacus").status == 400)
        #expect(try await server.audit(action: "memory.").count == 1, "refused clears change nothing and are not clears")
    }
}
