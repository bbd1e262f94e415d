import Foundation
import Testing

/// Memory policies over HTTP: read, change, validate, persist, and act between jobs.
@Suite("Policy routes", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct PolicyRouteTests {
    @Test func policiesAreValidatedAndSurviveARestart() async throws {
        let server = try await LiveServer()
        let defaults = try await server.request("GET", "/api/system/policies").json()
        #expect(defaults["warning_fraction"] as? Double == 0.8)
        #expect(defaults["cleanup_every_jobs"] as? Int == 3)

        let badCron = try await server.request("PUT", "/api/system/policies", body: Data(#"{"cleanup_schedule": "61 * * * *"}"#.utf8))
        #expect(badCron.status == 400)
        let message = ((try badCron.json()["error"] as? [String: Any])?["message"] as? String) ?? ""
        #expect(message.contains("minute"), "\(message)")
        let unknown = try await server.request("PUT", "/api/system/policies", body: Data(#"{"clean_often": true}"#.utf8))
        #expect(unknown.status == 400)

        let changed = try await server.request("PUT", "/api/system/policies",
                                               body: Data(#"{"cleanup_schedule": "0 * * * *", "warning_fraction": 0.7}"#.utf8))
        #expect(changed.status == 200, "\(changed.text)")
        #expect(try changed.json()["cleanup_every_jobs"] as? Int == 3, "fields left out keep their values")
        await server.stop(keepingData: true)

        let restarted = try await LiveServer(dataDirectory: server.dataDirectory)
        defer { Task { await restarted.stop() } }
        let after = try await restarted.request("GET", "/api/system/policies").json()
        #expect(after["cleanup_schedule"] as? String == "0 * * * *")
        #expect(after["warning_fraction"] as? Double == 0.7)
    }

    @Test func everyJobPolicyReleasesTheCacheBetweenJobs() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let story = try LiveServer.clip("en-mixed_story_32s.wav")
        func cachedBytes() async throws -> Int {
            let cpu = try MemoryRouteTests.cpu(try await server.request("GET", "/api/system/memory").json())
            return try #require(cpu["reserved_bytes"] as? Int) - (try #require(cpu["allocated_bytes"] as? Int))
        }
        // Defaults: every 3 jobs and only above 256 MiB cached, so one job leaves its cache.
        #expect(try await server.request("POST", "/api/transcriptions", body: story).status == 200)
        try await Task.sleep(for: .milliseconds(300))
        let kept = try await cachedBytes()
        #expect(kept > 16 << 20, "the cache is kept between jobs by default (\(kept) bytes)")

        let put = try await server.request("PUT", "/api/system/policies",
                                           body: Data(#"{"cleanup_every_jobs": 1, "cleanup_minimum_cached_bytes": 0}"#.utf8))
        #expect(put.status == 200, "\(put.text)")
        #expect(try await server.request("POST", "/api/transcriptions", body: story).status == 200)
        var cached = Int.max
        for _ in 0..<50 where cached > 8 << 20 {
            try await Task.sleep(for: .milliseconds(100))
            cached = try await cachedBytes()
        }
        #expect(cached <= 8 << 20, "after the job the every-job policy released the cache (\(cached) bytes left)")
    }
}
