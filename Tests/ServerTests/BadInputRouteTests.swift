import Foundation
import Hummingbird
import Testing

/// Every row of docs/server.md's "Bad input and what it gets": each bad request gets its status
/// and error code, in the one error shape, before anything is queued — and the service answers
/// the next request. In process, no socket (InProcessRouter).
@Suite("Bad input, in process", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct BadInputRouteTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let method: HTTPRequest.Method
        let path: String
        let body: Body
        let status: Int
        let code: String
        /// Long paths (a 100,000-character field) shortened, so that the test log stays readable.
        var testDescription: String {
            let shown = path.count > 120 ? "\(path.prefix(100))… (\(path.count) characters)" : path
            return "\(method) \(shown) → \(status) \(code)"
        }
        enum Body: Sendable {
            case none, text(String), clip, truncatedClip, bytes(Int), batchWithModels(String)
            /// A body with its own Content-Type header.
            case typed(String, contentType: String)
            /// A 16-bit WAV whose header claims these channels and rate.
            case lyingWAV(channels: Int, rate: Int)
            /// A multipart form whose one file part is `text`, under the name `filename`.
            case named(String, filename: String)
        }
    }

    static let rows: [Row] = [
        Row(method: .post, path: "/api/transcriptions", body: .text("plain text, not audio\n"), status: 400, code: "bad_audio_unsupported_format"),
        Row(method: .post, path: "/api/transcriptions", body: .truncatedClip, status: 400, code: "bad_audio_truncated"),
        Row(method: .post, path: "/api/transcriptions", body: .none, status: 400, code: "empty_upload"),
        Row(method: .post, path: "/api/transcriptions", body: .bytes(2 << 20), status: 413, code: "upload_too_large"),
        Row(method: .post, path: "/api/transcriptions?task=sing", body: .clip, status: 400, code: "invalid_task"),
        Row(method: .post, path: "/api/transcriptions?temperature=-1", body: .clip, status: 400, code: "invalid_temperature"),
        Row(method: .post, path: "/api/transcriptions?device=tpu", body: .clip, status: 400, code: "invalid_device"),
        Row(method: .post, path: "/api/transcriptions?device=cuda:3", body: .clip, status: 400, code: "invalid_device"),
        Row(method: .post, path: "/api/transcriptions?compute_type=float8", body: .clip, status: 400, code: "invalid_compute_type"),
        Row(method: .post, path: "/api/transcriptions?keep_alive=soon", body: .clip, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/transcriptions?format=docx", body: .clip, status: 400, code: "invalid_format"),
        Row(method: .post, path: "/api/transcriptions?model=nope", body: .clip, status: 404, code: "unknown_model"),
        Row(method: .post, path: "/v1/audio/transcriptions?response_format=docx", body: .clip, status: 400, code: "invalid_format"),
        Row(method: .post, path: "/api/batches", body: .batchWithModels("a,b"), status: 400, code: "invalid_models"),
        // Found by the hostile probe of 2026-12-04 (issue 17): each once answered 200 or 500.
        Row(method: .post, path: "/api/transcriptions?keep_alive=inf", body: .clip, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/transcriptions?keep_alive=nan", body: .clip, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/transcriptions?keep_alive=1e400", body: .clip, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/transcriptions?keep_alive=1e308", body: .clip, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/models/whisper-tiny.en/load?keep_alive=inf", body: .none, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/transcriptions?temperature=inf", body: .clip, status: 400, code: "invalid_temperature"),
        Row(method: .post, path: "/api/transcriptions?temperature=0,nan", body: .clip, status: 400, code: "invalid_temperature"),
        Row(method: .post, path: "/api/transcriptions?temperature=1.5", body: .clip, status: 400, code: "invalid_temperature"),
        // Each temperature is another pass over a failing window: the ladder is bounded.
        Row(method: .post, path: "/api/transcriptions?temperature=" + Array(repeating: "0", count: 12).joined(separator: ","),
            body: .clip, status: 400, code: "invalid_temperature"),
        Row(method: .post, path: "/api/transcriptions?hotwords=" + String(repeating: "a", count: 100_001), body: .clip, status: 400,
            code: "invalid_hotwords"),
        Row(method: .post, path: "/api/transcriptions?word_timestamps=maybe", body: .clip, status: 400, code: "invalid_word_timestamps"),
        Row(method: .post, path: "/api/transcriptions?vad_filter=sometimes", body: .clip, status: 400, code: "invalid_vad_filter"),
        Row(method: .post, path: "/api/transcriptions?vad_parameters=%7Bthreshold", body: .clip, status: 400, code: "invalid_vad_parameters"),
        Row(method: .post, path: "/api/transcriptions?vad_parameters=%7B%22threshold%22:2%7D", body: .clip, status: 400,
            code: "invalid_vad_parameters"),
        Row(method: .post, path: "/v1/audio/transcriptions?timestamp_granularities[]=char", body: .clip, status: 400,
            code: "invalid_timestamp_granularities"),
        Row(method: .post, path: "/api/transcriptions?language=fr", body: .clip, status: 400, code: "invalid_language"),
        Row(method: .post, path: "/api/transcriptions?language=xx", body: .clip, status: 400, code: "invalid_language"),
        Row(method: .post, path: "/api/transcriptions?task=translate", body: .clip, status: 400, code: "invalid_task"),
        Row(method: .post, path: "/v1/audio/transcriptions?language=de", body: .clip, status: 400, code: "invalid_language"),
        Row(method: .post, path: "/api/transcriptions", body: .typed("garbage", contentType: "multipart/form-data"),
            status: 400, code: "malformed_multipart"),
        Row(method: .post, path: "/api/transcriptions?wait=false",
            body: .typed("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF....WAVE",
                         contentType: "multipart/form-data; boundary=XX"),
            status: 400, code: "malformed_multipart"),
        Row(method: .post, path: "/api/batches",
            body: .typed("--XX\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.wav\"\r\n\r\nRIFF",
                         contentType: "multipart/form-data; boundary=XX"),
            status: 400, code: "malformed_multipart"),
        // Once a trap that stopped the server (Note [Our own multipart reader]).
        Row(method: .post, path: "/api/transcriptions",
            body: .typed("--XX\r\nCont\u{7F}ent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XX--\r\n",
                         contentType: "multipart/form-data; boundary=XX"),
            status: 400, code: "malformed_multipart"),
        Row(method: .post, path: "/api/transcriptions", body: .lyingWAV(channels: 0, rate: 16000), status: 400, code: "bad_audio_decode_failed"),
        Row(method: .post, path: "/api/transcriptions", body: .lyingWAV(channels: 1, rate: 0), status: 400, code: "bad_audio_unsupported_format"),
        Row(method: .get, path: "/api/jobs/nope", body: .none, status: 404, code: "unknown_job"),
        Row(method: .delete, path: "/api/jobs/nope", body: .none, status: 404, code: "unknown_job"),
        Row(method: .get, path: "/api/batches/nope", body: .none, status: 404, code: "unknown_batch"),
        Row(method: .get, path: "/api/history?limit=0", body: .none, status: 400, code: "invalid_limit"),
        Row(method: .get, path: "/api/history?offset=-1", body: .none, status: 400, code: "invalid_offset"),
        Row(method: .delete, path: "/api/history/nope", body: .none, status: 404, code: "unknown_job"),
        Row(method: .post, path: "/api/models/nope/load", body: .none, status: 404, code: "unknown_model"),
        Row(method: .post, path: "/api/models/whisper-tiny.en/load?compute_type=fp4", body: .none, status: 400, code: "invalid_compute_type"),
        Row(method: .post, path: "/api/models/whisper-tiny.en/load?keep_alive=soon", body: .none, status: 400, code: "invalid_keep_alive"),
        Row(method: .post, path: "/api/models/whisper-tiny.en/load?device=cuda:3", body: .none, status: 400, code: "invalid_device"),
        Row(method: .put, path: "/api/system/policies", body: .text("not json"), status: 400, code: "invalid_policy"),
        Row(method: .put, path: "/api/system/policies", body: .text(#"{"warning_fraction": 7}"#), status: 400, code: "invalid_policy"),
        Row(method: .get, path: "/api/system/memory/snapshot?device=tpu", body: .none, status: 400, code: "invalid_device"),
        Row(method: .get, path: "/api/system/memory/snapshot?device=cuda:0", body: .none, status: 404, code: "device_not_open"),
        // Text renamed: the name is not believed, the bytes are read.
        Row(method: .post, path: "/api/transcriptions", body: .named("just some text\n", filename: "talk.mp3"), status: 400, code: "bad_audio_unsupported_format"),
        // Names and ids that climb out of their folder match nothing (files on disk are found by
        // listing, never by joining a client's name to a path).
        Row(method: .get, path: "/api/jobs/..%2F..%2Fetc%2Fpasswd", body: .none, status: 404, code: "unknown_job"),
        Row(method: .delete, path: "/api/jobs/..%2Fjobs", body: .none, status: 404, code: "unknown_job"),
        Row(method: .get, path: "/api/history/..%2F..%2Fetc%2Fpasswd?format=srt", body: .none, status: 404, code: "unknown_job"),
        Row(method: .delete, path: "/api/history/..%2F..%2Fauris.sqlite", body: .none, status: 404, code: "unknown_job"),
        Row(method: .get, path: "/api/batches/..%2F..", body: .none, status: 404, code: "unknown_batch"),
        Row(method: .post, path: "/api/models/..%2F..%2Fetc/load", body: .none, status: 404, code: "unknown_model"),
        Row(method: .post, path: "/api/models/..%2Fmodels%2Fwhisper-tiny.en/unload", body: .none, status: 404, code: "unknown_model"),
        Row(method: .post, path: "/api/transcriptions?model=../models/whisper-tiny.en", body: .clip, status: 404, code: "unknown_model"),
        Row(method: .post, path: "/api/transcriptions?model=%2Fetc", body: .clip, status: 404, code: "unknown_model"),
        Row(method: .get, path: "/api/system/memory/snapshot?device=..%2Fcpu", body: .none, status: 400, code: "invalid_device"),
    ]

    static func body(_ body: Row.Body) throws -> (Data, [String: String]) {
        switch body {
        case .none: return (Data(), [:])
        case .text(let text): return (Data(text.utf8), [:])
        case .clip: return (try LiveServer.clip("en-us_hello.wav"), [:])
        case .truncatedClip: return (try LiveServer.clip("en-us_hello.wav").prefix(20), [:])
        case .bytes(let count): return (Data(repeating: 7, count: count), [:])
        case .typed(let text, let contentType): return (Data(text.utf8), ["Content-Type": contentType])
        case .lyingWAV(let channels, let rate):
            var wav = try LiveServer.clip("en-us_hello.wav")
            wav.replaceSubrange(22..<24, with: [UInt8(channels), 0])
            wav.replaceSubrange(24..<28, with: withUnsafeBytes(of: UInt32(rate).littleEndian, Array.init))
            return (wav, [:])
        case .named(let text, let filename):
            let (form, type) = LiveServer.multipart(file: Data(text.utf8), name: filename, fields: [:])
            return (form, ["Content-Type": type])
        case .batchWithModels(let models):
            let (form, type) = LiveServer.multipart(file: try LiveServer.clip("en-us_hello.wav"), name: "a.wav", fields: ["models": models])
            return (form, ["Content-Type": type])
        }
    }

    @Test(arguments: rows)
    func row(_ row: Row) async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        let (body, headers) = try Self.body(row.body)
        let reply = try await router.request(row.method, row.path, body: body, headers: headers)
        #expect(reply.status == row.status, "\(reply.text)")
        #expect(reply.errorCode == row.code, "\(reply.text)")
        // What a client reads: no heap addresses, no Swift error dumps.
        #expect(!reply.text.contains(" @ 0x") && !reply.text.contains("EncodingError"), "\(reply.text)")
        let queued = try await router.service.store.queuedJobIDs()
        #expect(queued.isEmpty, "nothing queued for a bad request")
        #expect(try await router.request(.get, "/health").status == 200, "the service still answers")
        #expect(try await router.request(.get, "/api/models").status == 200, "the models still list")
        #expect(try await router.request(.get, "/api/system/memory").status == 200, "memory still reports")
    }

    /// A page can point at what is wrong: the error names the parameter or policy field.
    @Test func errorsNameTheFieldTheyAreAbout() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        func field(_ reply: InProcessRouter.Reply) throws -> String? {
            (try reply.json()["error"] as? [String: Any])?["field"] as? String
        }
        let policy = try await router.request(.put, "/api/system/policies", body: Data(#"{"warning_fraction": 7}"#.utf8))
        #expect(try field(policy) == "warning_fraction", "\(policy.text)")
        let task = try await router.request(.post, "/api/transcriptions?task=sing", body: try LiveServer.clip("en-us_hello.wav"))
        #expect(try field(task) == "task", "\(task.text)")
        let unknown = try await router.request(.get, "/api/jobs/nope")
        #expect(try field(unknown) == nil, "no field for an unknown job: \(unknown.text)")
    }

    /// The clear preview agrees with the clear that follows it, and is admin-only.
    @Test func theClearPreviewMatchesTheClear() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        #expect(try await router.request(.post, "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav")).status == 200)
        let preview = try await router.request(.get, "/api/system/clear_cache/preview")
        let devices = try #require(try preview.json()["devices"] as? [[String: Any]], "\(preview.text)")
        let cpu = try #require(devices.first { $0["device"] as? String == "cpu" })
        let releasable = try #require(cpu["releasable_bytes"] as? Int)
        #expect(releasable > 0, "a job leaves its activations cached: \(preview.text)")
        #expect(cpu["fragmented_bytes"] is Int)
        let clear = try await router.request(.post, "/api/system/clear_cache")
        let report = try #require((try clear.json()["devices"] as? [[String: Any]])?.first { $0["device"] as? String == "cpu" })
        #expect(report["released_bytes"] as? Int == releasable, "\(clear.text)")
        let remote = try await router.request(.get, "/api/system/clear_cache/preview", peer: "10.1.2.3")
        #expect(remote.status == 403, "admin only")
    }

    /// Admin routes from a remote peer, without the token: refused, and the refusal audited.
    @Test func remotePeersAreRefusedTheAdminRoutes() async throws {
        let router = try await InProcessRouter()
        defer { Task { await router.stop() } }
        let reply = try await router.request(.post, "/api/system/clear_cache", peer: "10.1.2.3")
        #expect(reply.status == 403 && reply.errorCode == "admin_local_only", "\(reply.text)")
        let audit = try await router.service.store.audit(actionPrefix: "admin.refused", limit: 5, offset: 0)
        #expect(audit.entries.first?.actor.hasPrefix("10.1.2.3") == true)
    }

    /// Rows that need a finished job, and a model whose file is damaged.
    @Test func finishedJobsAndDamagedModels() async throws {
        let models = FileManager.default.temporaryDirectory.appendingPathComponent("auris-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: models) }
        try FileManager.default.createDirectory(at: models.appendingPathComponent("broken"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: models.appendingPathComponent("whisper-tiny.en"),
                                                   withDestinationURL: LiveServer.modelsDirectory.appendingPathComponent("whisper-tiny.en"))
        try Data("not a model".utf8).write(to: models.appendingPathComponent("broken/model.bin"))
        let router = try await InProcessRouter(modelsDirectory: models)
        defer { Task { await router.stop() } }

        let done = try await router.request(.post, "/api/transcriptions", body: try LiveServer.clip("en-us_hello.wav"))
        #expect(done.status == 200, "\(done.text)")
        let id = try #require(try done.json()["id"] as? String)
        let cancel = try await router.request(.delete, "/api/jobs/\(id)")
        #expect(cancel.status == 409 && cancel.errorCode == "job_finished", "\(cancel.text)")
        let download = try await router.request(.get, "/api/history/\(id)?format=docx")
        #expect(download.status == 400 && download.errorCode == "invalid_format", "\(download.text)")

        let broken = try await router.request(.post, "/api/transcriptions?model=broken", body: try LiveServer.clip("en-us_hello.wav"))
        #expect(broken.status == 422 && broken.errorCode == "model_unreadable", "\(broken.text)")
        #expect(broken.text.contains("model.bin"), "the message names the file: \(broken.text)")
    }
}
