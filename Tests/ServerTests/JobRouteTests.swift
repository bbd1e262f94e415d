import Foundation
import Service
import Testing

/// Jobs over HTTP: batches with per-file progress, answers without waiting, the searchable
/// history, and queued jobs that survive a restart.
@Suite("Job routes", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct JobRouteTests {
    static func finished(_ batch: [String: Any]) -> Bool {
        ["done", "failed", "cancelled"].contains(batch["state"] as? String ?? "")
    }

    /// A multipart form with several files.
    static func form(files: [(name: String, data: Data)], fields: [String: String] = [:]) -> (Data, String) {
        let boundary = "auris-\(UUID().uuidString)"
        var body = Data()
        for (key, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for file in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\n\r\n".utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test func batchReportsEachFileAndTheHistoryKeepsTheResults() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let (form, type) = Self.form(files: [
            ("hello.wav", try LiveServer.clip("en-us_hello.wav")),
            ("notes.txt", Data("not audio at all\n".utf8)),
            ("numbers.wav", try LiveServer.clip("en-us_numbers.wav")),
        ])
        let created = try await server.request("POST", "/api/batches", body: form, headers: ["Content-Type": type])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        #expect((try created.json()["files"] as? [[String: Any]])?.map { $0["file_name"] as? String } == ["hello.wav", "notes.txt", "numbers.wav"])

        let batch = try await server.poll("/api/batches/\(id)", until: Self.finished)
        #expect(batch["state"] as? String == "failed", "one file of three is not audio: \(batch)")
        #expect(batch["done"] as? Int == 2 && batch["failed"] as? Int == 1 && batch["progress"] as? Double == 1)
        let files = try #require(batch["files"] as? [[String: Any]])
        #expect(files.map { $0["state"] as? String } == ["done", "failed", "done"])
        #expect((files[0]["text"] as? String)?.contains("welcome") == true)
        #expect((files[1]["error"] as? String)?.isEmpty == false, "the failure says why: \(files[1])")
        #expect(files.allSatisfy { $0["audio_path"] == nil }, "server paths stay private")

        // The history: searchable by text and by file name, newest first.
        let found = try await server.request("GET", "/api/history?q=WELCOME").json()
        #expect(found["total"] as? Int == 1)
        let helloID = try #require((found["items"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try await server.request("GET", "/api/history?q=notes.txt").json()["total"] as? Int == 1)
        #expect(try await server.request("GET", "/api/history?q=100%25").json()["total"] as? Int == 0, "LIKE wildcards are literal")
        #expect(try await server.request("GET", "/api/history").json()["total"] as? Int == 3)
        let paged = try await server.request("GET", "/api/history?limit=1&offset=1").json()
        #expect((paged["items"] as? [Any])?.count == 1)
        #expect(try await server.request("GET", "/api/history?limit=0").status == 400)

        let detail = try await server.request("GET", "/api/history/\(helloID)").json()
        #expect(((detail["transcript"] as? [String: Any])?["segments"] as? [Any])?.isEmpty == false)
        let srt = try await server.request("GET", "/api/history/\(helloID)?format=srt")
        #expect(srt.status == 200 && srt.text.contains(" --> "), "\(srt.text)")

        #expect(try await server.request("DELETE", "/api/history/\(helloID)").status == 204)
        #expect(try await server.request("GET", "/api/jobs/\(helloID)").status == 404)
        #expect(try await server.request("DELETE", "/api/history/\(helloID)").status == 404)
        #expect(try await server.request("GET", "/api/batches/no-such-batch").status == 404)
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "finished jobs leave no audio behind: \(jobs)")
    }

    @Test func aTranscriptionCanBeFollowedInsteadOfAwaited() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let accepted = try await server.request("POST", "/api/transcriptions?wait=false&filename=hello.wav",
                                                body: try LiveServer.clip("en-us_hello.wav"))
        #expect(accepted.status == 202, "\(accepted.text)")
        let id = try #require(try accepted.json()["id"] as? String)
        let job = try await server.poll("/api/jobs/\(id)") { $0["state"] as? String == "done" }
        #expect((job["transcript"] as? [String: Any])?["text"] as? String == TranscriptionRouteTests.hello)
        #expect(job["progress"] as? Double == 1 && job["file_name"] as? String == "hello.wav")
    }

    @Test func queuedAndRunningJobsCanBeCancelled() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let story = try LiveServer.clip("en-mixed_story_32s.wav"), hello = try LiveServer.clip("en-us_hello.wav")
        let long = try WAV.repeating(story, times: 5)
        let (form, type) = Self.form(files: [("long.wav", long), ("hello.wav", hello), ("later.wav", hello)])
        let created = try await server.request("POST", "/api/batches", body: form, headers: ["Content-Type": type])
        let batchID = try #require(try created.json()["id"] as? String)
        let ids = try #require((try created.json()["files"] as? [[String: Any]])?.compactMap { $0["id"] as? String })
        _ = try await server.poll("/api/batches/\(batchID)", timeout: 60) { $0["state"] as? String == "running" }

        // A queued job goes at once; a waiting request for it is told.
        async let waiting = server.request("POST", "/api/transcriptions", body: hello)
        let queued = try await server.request("DELETE", "/api/jobs/\(ids[2])")
        let queuedState = try queued.json()["state"] as? String
        #expect(queued.status == 200 && queuedState == "cancelled", "\(queued.text)")
        // The running one stops at its next progress event.
        let running = try await server.request("DELETE", "/api/jobs/\(ids[0])")
        let runningState = try running.json()["state"] as? String
        #expect(running.status == 200 && runningState == "cancelled", "\(running.text)")
        let batch = try await server.poll("/api/batches/\(batchID)", until: Self.finished)
        let states = (batch["files"] as? [[String: Any]])?.map { $0["state"] as? String ?? "" }
        #expect(states == ["cancelled", "done", "cancelled"], "the file between the two still runs")
        #expect(batch["state"] as? String == "cancelled" && batch["cancelled"] as? Int == 2)
        let other = try await waiting
        #expect(other.status == 200, "other work goes on")
        #expect(try await server.request("DELETE", "/api/jobs/\(ids[1])").status == 409, "a finished job is not cancelled")
        #expect(try await server.request("DELETE", "/api/jobs/no-such-job").status == 404)
        #expect(try await server.request("GET", "/api/history?q=long.wav").json()["total"] as? Int == 1, "cancelled jobs are history")
        let jobs = (try? FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.appendingPathComponent("jobs").path)) ?? []
        #expect(jobs.isEmpty, "cancelled jobs leave no audio behind: \(jobs)")
    }

    @Test func queuedJobsSurviveARestart() async throws {
        let server = try await LiveServer()
        let story = try LiveServer.clip("en-mixed_story_32s.wav"), hello = try LiveServer.clip("en-us_hello.wav")
        let (form, type) = Self.form(files: [("story.wav", story), ("hello-1.wav", hello), ("hello-2.wav", hello), ("hello-3.wav", hello)])
        let created = try await server.request("POST", "/api/batches", body: form, headers: ["Content-Type": type])
        let id = try #require(try created.json()["id"] as? String)
        // Stop while the story runs: it is interrupted and put back, the others never started.
        _ = try await server.poll("/api/batches/\(id)", timeout: 60) { $0["state"] as? String == "running" }
        await server.stop(keepingData: true)

        let store = try SQLiteStore(file: server.dataDirectory.appendingPathComponent("auris.sqlite"))
        let waiting = try await store.jobs(inBatch: id)
        #expect(waiting.allSatisfy { $0.state == .queued || $0.state == .done }, "nothing is left running: \(waiting.map(\.state))")
        #expect(waiting.contains { $0.state == .queued })

        let restarted = try await LiveServer(dataDirectory: server.dataDirectory)
        defer { Task { await restarted.stop() } }
        let batch = try await restarted.poll("/api/batches/\(id)", until: Self.finished)
        let files = try #require(batch["files"] as? [[String: Any]])
        #expect(batch["state"] as? String == "done", "\(batch)")
        #expect(files.dropFirst().allSatisfy { $0["text"] as? String == TranscriptionRouteTests.hello })
        #expect((files[0]["text"] as? String)?.isEmpty == false)
    }
}
