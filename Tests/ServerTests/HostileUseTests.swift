import Foundation
import Hummingbird
import Service
import Testing

/// What a hostile user would try beyond single bad requests (docs/reliability.md, "Hostile
/// input"): names that climb out of their folder, and a batch of 200 files.
@Suite("Hostile use", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct HostileUseTests {
    /// 0.25 s of 16 kHz mono silence: a valid recording that costs almost nothing to transcribe.
    static let silence: Data = {
        let samples = 4_000
        var wav = Data("RIFF".utf8)
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
        wav += le(UInt32(36 + samples * 2)) + Data("WAVEfmt ".utf8) + le(UInt32(16)) + le(UInt16(1)) + le(UInt16(1))
        wav += le(UInt32(16_000)) + le(UInt32(32_000)) + le(UInt16(2)) + le(UInt16(16))
        wav += Data("data".utf8) + le(UInt32(samples * 2)) + Data(count: samples * 2)
        return wav
    }()

    /// A file name is only a label: an upload named `../../x` is stored under the server's own
    /// name in its own folder, and nothing appears where the name points.
    @Test func uploadNamesThatClimbOutStayLabels() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        let target = "auris-escape-\(UUID().uuidString).wav"
        let climbing = "../../../../../../../../tmp/\(target)"
        let outside = URL(fileURLWithPath: "/tmp").appendingPathComponent(target)

        let raw = try await router.request(.post, "/api/transcriptions?filename=\(climbing)", body: try LiveServer.clip("en-us_hello.wav"))
        #expect(raw.status == 200, "\(raw.text)")
        let (form, type) = LiveServer.multipart(file: try LiveServer.clip("en-us_hello.wav"), name: climbing, fields: [:])
        let multipart = try await router.request(.post, "/api/transcriptions", body: form, headers: ["Content-Type": type])
        #expect(multipart.status == 200, "\(multipart.text)")
        let (batchForm, batchType) = JobRouteTests.form(files: [(climbing, Self.silence)])
        let batch = try await router.request(.post, "/api/batches", body: batchForm, headers: ["Content-Type": batchType])
        #expect(batch.status == 202, "\(batch.text)")
        #expect(!FileManager.default.fileExists(atPath: outside.path), "nothing written where the name points")
        let id = try #require(try multipart.json()["id"] as? String)
        let job = try await router.request(.get, "/api/jobs/\(id)").json()
        #expect(job["file_name"] as? String == climbing, "the name is kept as the client's label: \(job)")
        #expect(job["audio_path"] == nil, "server paths stay private")
    }

    /// The web UI serves its own files only: paths with `..`, raw or encoded, are not followed.
    @Test func theWebUIServesOnlyItsOwnFiles() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        for path in ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
                     "/static/../../../Package.swift", "/%2e%2e%2f%2e%2e%2fPackage.swift"] {
            let reply = try await router.request(.get, path)
            #expect(reply.status >= 400 && reply.status < 500, "\(path): \(reply.status)")
            #expect(!reply.text.contains("root:") && !reply.text.contains("swift-tools-version"), "\(path) leaked a file")
        }
        #expect(try await router.request(.get, "/").status == 200, "the UI itself still serves")
    }

    /// A WAV whose `data` chunk claims 10⁹ frames (2 GB) over 3.5 s of samples, as a recorder
    /// that died before fixing its header leaves one: what is there is transcribed, in the time
    /// and memory of what is there; nothing is sized from the header's promise.
    @Test func aHeaderThatPromisesTooMuch() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        var wav = try LiveServer.clip("en-us_hello.wav")
        let data = try #require(wav.range(of: Data("data".utf8)), "the clip has a data chunk")
        wav.replaceSubrange(data.upperBound..<(data.upperBound + 4), with: withUnsafeBytes(of: UInt32(2_000_000_000).littleEndian, Array.init))
        let started = Date()
        let reply = try await router.request(.post, "/api/transcriptions", body: wav)
        #expect(reply.status == 200, "\(reply.text)")
        let transcript = try #require(try reply.json()["transcript"] as? [String: Any])
        #expect((transcript["duration"] as? Double ?? 0) < 4, "the samples that are there: \(transcript["duration"] ?? "?") s")
        #expect((transcript["text"] as? String)?.lowercased().contains("welcome") == true)
        #expect(Date().timeIntervalSince(started) < 30)
        let memory = try #require(try reply.json()["memory"] as? [String: Any])
        #expect((memory["predicted_peak_bytes"] as? Int ?? .max) < 64 << 20, "admission was not sized from 10⁹ frames: \(memory)")
    }

    /// 200 files in one batch: accepted, each a job, every one finished, no upload left, and the
    /// memory back to the weights.
    @Test func aBatchOf200Files() async throws {
        let router = try await InProcessRouter(maxUploadBytes: 8 << 20)
        defer { Task { await router.stop() } }
        let (form, type) = JobRouteTests.form(files: (0..<200).map { ("silence-\($0).wav", Self.silence) })
        let created = try await router.request(.post, "/api/batches", body: form, headers: ["Content-Type": type])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        #expect((try created.json()["files"] as? [Any])?.count == 200)

        var batch: [String: Any] = [:]
        let finished = try await eventually(within: 300) {
            batch = try await router.request(.get, "/api/batches/\(id)").json()
            return JobRouteTests.finished(batch)
        }
        #expect(finished, "\(batch["done"] ?? "?") of 200 done")
        #expect(batch["state"] as? String == "done" && batch["done"] as? Int == 200, "\(batch["state"] ?? "?"), \(batch["failed"] ?? "?") failed")
        for folder in ["uploads", "jobs"] {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: router.dataDirectory.appendingPathComponent(folder).path)) ?? []
            #expect(left.isEmpty, "nothing left in \(folder): \(left.count)")
        }
        let memory = try await router.request(.get, "/api/system/memory").json()
        let cpu = try #require((memory["devices"] as? [[String: Any]])?.first)
        let models = try #require(try await router.request(.get, "/api/models").json()["models"] as? [[String: Any]])
        let weights = models.compactMap { $0["bytes_held"] as? Int }.reduce(0, +)
        #expect(cpu["allocated_bytes"] as? Int == weights, "allocated back to the weights: \(cpu)")
    }
}
