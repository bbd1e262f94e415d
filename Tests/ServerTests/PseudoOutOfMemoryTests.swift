import DeviceMemory
import Foundation
import GPU
import Service
import Testing

/// The brief's pseudo-OOM, reproduced and fixed on a capped host device.
///
/// A team's batch mixes recordings for two models (here two names for the default model, each
/// loaded on its own). The device holds one model with its working memory and then some, not
/// two. With caching but no policy, the model a file no longer needs stays resident — idle,
/// but nobody frees it — and the allocator's own release-and-retry cannot help: the memory is
/// held by live weights, not by its cache. So the batch fails part-way, on the files of the
/// second model. With the default policies, the first out-of-memory error unloads the idle
/// model (the memory-pressure policy) and the file runs again, and the whole batch completes.
@Suite("Pseudo-OOM scenario", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct PseudoOutOfMemoryTests {
    static let models = ["meetings", "dictation"]

    /// A models folder with two names for the default model.
    static func modelsFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("auris-two-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in models {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name),
                                                       withDestinationURL: LiveServer.modelsDirectory.appendingPathComponent("whisper-tiny.en"))
        }
        return folder
    }

    /// Ten recordings of 64 to 96 seconds: the story clip repeated, as one WAV each.
    static func recordings() throws -> [(name: String, data: Data)] {
        let story = try LiveServer.clip("en-mixed_story_32s.wav")
        return try (0..<10).map { index in
            ("recording-\(index + 1).wav", try WAV.repeating(story, times: 2 + index % 2))
        }
    }

    static func cpu(_ server: LiveServer) async throws -> [String: Any] {
        try MemoryRouteTests.cpu(try await server.request("GET", "/api/system/memory").json())
    }

    /// Runs the batch, alternating the two models file by file, and returns its final state.
    static func runBatch(on server: LiveServer) async throws -> [String: Any] {
        let files = try recordings()
        let (form, type) = JobRouteTests.form(files: files, fields: [
            "models": files.indices.map { models[$0 % 2] }.joined(separator: ","),
        ])
        let created = try await server.request("POST", "/api/batches", body: form, headers: ["Content-Type": type])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(try created.json()["id"] as? String)
        return try await server.poll("/api/batches/\(id)", timeout: 900, until: JobRouteTests.finished)
    }

    @Test func failsPartWayWithoutPoliciesAndCompletesWithTheDefaults() async throws {
        let folder = try Self.modelsFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        // Size the device from a measurement: one model, its working memory, and half a model more.
        let probe = try await LiveServer(modelsDirectory: folder, defaultModel: Self.models[0])
        #expect(try await probe.request("POST", "/api/models/\(Self.models[0])/load").status == 200)
        let weights = try #require(try await Self.cpu(probe)["allocated_bytes"] as? Int)
        let (one, type) = JobRouteTests.form(files: [try Self.recordings()[1]])
        #expect(try await probe.request("POST", "/api/batches", body: one, headers: ["Content-Type": type]).status == 202)
        _ = try await probe.poll("/api/history", timeout: 300) { $0["total"] as? Int == 1 }
        let working = try #require(try await Self.cpu(probe)["reserved_bytes"] as? Int)
        await probe.stop()
        let capacity = working + weights / 2

        // Caching, no policy: every automatic policy off, so the idle model stays.
        let bare = try await LiveServer(keepAlive: .forever,
                                        allocators: try DeviceAllocators(configuration: .default, hostCapacityBytes: capacity),
                                        modelsDirectory: folder, defaultModel: Self.models[0])
        let off = #"{"cleanup_on_threshold": false, "cleanup_every_jobs": 0, "idle_unload_seconds": null, "unload_idle_on_pressure": false}"#
        #expect(try await bare.request("PUT", "/api/system/policies", body: Data(off.utf8)).status == 200)
        let failing = try await Self.runBatch(on: bare)
        let failingFiles = try #require(failing["files"] as? [[String: Any]])
        #expect(failingFiles.first?["state"] as? String == "done", "the first file fits")
        #expect(failing["failed"] as? Int ?? 0 > 0, "the batch fails part-way: \(failingFiles.map { $0["state"] ?? "" })")
        let error = failingFiles.first { $0["state"] as? String == "failed" }?["error"] as? String ?? ""
        #expect(error.lowercased().contains("out of memory"), "\(error)")
        let retries = try #require((try await Self.cpu(bare)["stats"] as? [String: Any])?["num_alloc_retries"] as? Int)
        #expect(retries > 0, "the allocator did release its cache and retry; that was not enough")
        await bare.stop()

        // The same batch on the same device with the default policies.
        let cared = try await LiveServer(allocators: try DeviceAllocators(configuration: .default, hostCapacityBytes: capacity),
                                         modelsDirectory: folder, defaultModel: Self.models[0])
        defer { Task { await cared.stop() } }
        let completed = try await Self.runBatch(on: cared)
        #expect(completed["state"] as? String == "done" && completed["done"] as? Int == 10,
                "\((completed["files"] as? [[String: Any]])?.map { "\($0["state"] ?? "") \($0["error"] ?? "")" } ?? [])")
        let relief = try await cared.audit().filter { $0["actor"] as? String == "policy:memory_pressure" }
        #expect(relief.contains { $0["action"] as? String == "policy.unload_model" }, "the idle model made way: \(relief.count) entries")
        // Same recording, same weights: the same text, whichever run and whatever happened before.
        let texts = try #require(completed["files"] as? [[String: Any]]).map { $0["text"] as? String ?? "" }
        #expect(texts.allSatisfy { !$0.isEmpty })
        #expect(texts.indices.allSatisfy { texts[$0] == texts[$0 % 2] })
        #expect(zip(failingFiles, texts).allSatisfy { file, text in file["state"] as? String != "done" || file["text"] as? String == text })
    }
}

/// Builds PCM WAV files from a clip.
enum WAV {
    /// The clip's samples `times` over, with the clip's own format.
    static func repeating(_ clip: Data, times: Int) throws -> Data {
        var format: Data?, samples: Data?
        var offset = 12
        while offset + 8 <= clip.count {
            let id = String(decoding: clip[offset..<(offset + 4)], as: UTF8.self)
            let size = clip[(offset + 4)..<(offset + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let body = clip[(offset + 8)..<min(clip.count, offset + 8 + size)]
            if id == "fmt " { format = Data(body) } else if id == "data" { samples = Data(body) }
            offset += 8 + size + size % 2
        }
        let fmt = try #require(format), pcm = try #require(samples)
        func chunk(_ id: String, _ body: Data) -> Data {
            var out = Data(id.utf8)
            withUnsafeBytes(of: UInt32(body.count).littleEndian) { out.append(contentsOf: $0) }
            return out + body
        }
        let data = chunk("data", Data((0..<times).map { _ in pcm }.joined()))
        let body = Data("WAVE".utf8) + chunk("fmt ", fmt) + data
        return chunk("RIFF", body)
    }
}
