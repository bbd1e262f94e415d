import Foundation
import Testing

/// Transcription over HTTP, on a real socket, with the default model.
@Suite("Transcription routes", .serialized, .enabled(if: LiveServer.modelRuns, "the default model is not installed"))
struct TranscriptionRouteTests {
    static let hello = " The law and welcome to the Oris speech recognition test."

    @Test func rawBodyAndMultipartAndFormats() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let audio = try LiveServer.clip("en-us_hello.wav")

        let raw = try await server.request("POST", "/api/transcriptions?filename=hello.wav", body: audio, headers: ["Content-Type": "audio/wav"])
        #expect(raw.status == 200, "\(raw.text)")
        let transcript = try #require(try raw.json()["transcript"] as? [String: Any])
        #expect(transcript["text"] as? String == Self.hello)
        #expect((transcript["segments"] as? [[String: Any]])?.first?["end"] as? Double == 3.2)

        let (form, type) = LiveServer.multipart(file: audio, name: "hello.wav", fields: ["model": "whisper-1", "response_format": "json"])
        let openAI = try await server.request("POST", "/v1/audio/transcriptions", body: form, headers: ["Content-Type": type])
        #expect(openAI.status == 200, "\(openAI.text)")
        #expect(try openAI.json()["text"] as? String == Self.hello)

        let (srtForm, srtType) = LiveServer.multipart(file: audio, name: "hello.wav", fields: ["response_format": "srt"])
        let srt = try await server.request("POST", "/v1/audio/transcriptions", body: srtForm, headers: ["Content-Type": srtType])
        #expect(srt.text.contains("00:00:00,000 --> 00:00:03,200"), "\(srt.text)")
    }

    /// Words with their times: OpenAI's `timestamp_granularities[]` (two parts, as its client
    /// sends them) puts them in verbose_json; the native API's `word_timestamps=true` puts them
    /// in each segment, and its SRT becomes a cue per word.
    @Test func wordTimestamps() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let audio = try LiveServer.clip("en-us_hello.wav")
        let parts = LiveServer.multipart(file: audio, name: "hello.wav", fields: ["response_format": "verbose_json", "timestamp_granularities[]": "segment"])
        // The same field twice: the second part repeats the list field with "word".
        let extra = "--\(parts.1.split(separator: "=").last!)\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"
        let form = Data(extra.utf8) + parts.0
        let openAI = try await server.request("POST", "/v1/audio/transcriptions", body: form, headers: ["Content-Type": parts.1])
        #expect(openAI.status == 200, "\(openAI.text)")
        let words = try #require(try openAI.json()["words"] as? [[String: Any]])
        #expect(words.compactMap { $0["word"] as? String }.joined(separator: " ") == "The law and welcome to the Oris speech recognition test.")
        let times = words.compactMap { $0["start"] as? Double }
        #expect(times == times.sorted() && times.count == 10)

        let native = try await server.request("POST", "/api/transcriptions?word_timestamps=true", body: audio)
        #expect(native.status == 200, "\(native.text)")
        let segment = try #require(((try native.json()["transcript"] as? [String: Any])?["segments"] as? [[String: Any]])?.first)
        #expect((segment["words"] as? [[String: Any]])?.count == 10)
        let plain = try await server.request("POST", "/api/transcriptions", body: audio)
        #expect(((try plain.json()["transcript"] as? [String: Any])?["segments"] as? [[String: Any]])?.first?["words"] == nil)

        let srt = try await server.request("POST", "/api/transcriptions?word_timestamps=true&format=srt", body: audio)
        #expect(srt.text.hasPrefix("1\n00:00:00,000 --> 00:00:00,260\nThe\n"), "\(srt.text)")
    }

    /// Voice activity detection: the native `vad_filter=true` and the OpenAI route's extra field
    /// give the padded clip's sentence at the recording's time (faster-whisper's 1.62 s), where
    /// without it the window starts at 0; digital silence gives no segment either way.
    @Test func voiceActivityDetection() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let audio = try LiveServer.clip("en-us_padded.wav")
        let native = try await server.request("POST", "/api/transcriptions?vad_filter=true&temperature=0", body: audio)
        #expect(native.status == 200, "\(native.text)")
        let transcript = try #require(try native.json()["transcript"] as? [String: Any])
        let segment = try #require((transcript["segments"] as? [[String: Any]])?.first)
        #expect(abs((segment["start"] as? Double ?? 0) - 1.62) <= 0.02, "\(segment)")
        #expect(segment["text"] as? String == " This sentence has long silences before and after it.")
        #expect(abs((transcript["duration"] as? Double ?? 0) - 8.21) < 0.01, "the recording's length, not the speech's")

        let (form, type) = LiveServer.multipart(file: audio, name: "padded.wav",
                                                fields: ["response_format": "verbose_json", "vad_filter": "true", "temperature": "0"])
        let openAI = try await server.request("POST", "/v1/audio/transcriptions", body: form, headers: ["Content-Type": type])
        #expect(openAI.status == 200, "\(openAI.text)")
        let first = try #require((try openAI.json()["segments"] as? [[String: Any]])?.first)
        #expect(abs((first["start"] as? Double ?? 0) - 1.62) <= 0.02, "\(first)")

        let tuned = try await server.request("POST", "/api/transcriptions?vad_parameters=%7B%22speech_pad_ms%22:100%7D", body: audio)
        #expect(tuned.status == 200, "\(tuned.text)")
        let silence = try await server.request("POST", "/api/transcriptions?vad_filter=true", body: try LiveServer.clip("silence.wav"))
        #expect(((try silence.json()["transcript"] as? [String: Any])?["segments"] as? [[String: Any]])?.isEmpty == true)
    }

    /// A server whose models folder lacks the detector refuses `vad_filter` at once, saying
    /// what is missing, instead of queueing a job that would fail.
    @Test func voiceActivityWithoutTheDetector() async throws {
        let models = FileManager.default.temporaryDirectory.appendingPathComponent("auris-no-vad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: models) }
        try FileManager.default.createSymbolicLink(at: models.appendingPathComponent("whisper-tiny.en"),
                                                   withDestinationURL: LiveServer.modelsDirectory.appendingPathComponent("whisper-tiny.en"))
        let server = try await LiveServer(modelsDirectory: models)
        defer { Task { await server.stop() } }
        let refused = try await server.request("POST", "/api/transcriptions?vad_filter=true", body: try LiveServer.clip("en-us_hello.wav"))
        #expect(refused.status == 400)
        #expect(refused.text.contains("invalid_vad_filter") && refused.text.contains("silero_vad_v6.onnx"), "\(refused.text)")
        #expect(try await server.request("GET", "/api/jobs").text.contains("en-us_hello") == false, "nothing was queued")
    }

    /// A job may ask for a compute type: the model is reloaded in it (it was idle), the models
    /// list says so, and an unknown type is refused by name before anything is queued.
    @Test func computeTypePerRequestAndPerLoad() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let audio = try LiveServer.clip("en-us_hello.wav")
        func tiny() async throws -> [String: Any] {
            let models = try await server.request("GET", "/api/models").json()
            return try #require((models["models"] as? [[String: Any]])?.first { $0["id"] as? String == "whisper-tiny.en" })
        }
        #expect(try await tiny()["compute_type"] as? String == "float16", "the CPU's default, before any load")
        #expect(try await server.request("POST", "/api/transcriptions", body: audio).status == 200)
        let half = try await tiny()["bytes_held"] as? Int ?? 0

        let int8 = try await server.request("POST", "/api/transcriptions?compute_type=int8", body: audio)
        #expect(int8.status == 200, "\(int8.text)")
        let model = try await tiny()
        #expect(model["compute_type"] as? String == "int8")
        #expect((model["bytes_held"] as? Int ?? 0) < half * 2 / 3, "int8 holds about half of float16's bytes")

        let load = try await server.request("POST", "/api/models/whisper-tiny.en/load?compute_type=float32")
        #expect(load.status == 200, "\(load.text)")
        #expect(try load.json()["compute_type"] as? String == "float32")
        #expect((try load.json()["bytes_held"] as? Int ?? 0) > half * 3 / 2)

        let bad = try await server.request("POST", "/api/transcriptions?compute_type=float8", body: audio)
        #expect(bad.status == 400)
        #expect((try bad.json()["error"] as? [String: Any])?["code"] as? String == "invalid_compute_type")
        #expect(try await server.request("POST", "/api/models/whisper-tiny.en/load?compute_type=fp4").status == 400)
    }

    @Test func badInputGetsAClearErrorAndTheServiceStaysUp() async throws {
        let server = try await LiveServer(maxUploadBytes: 1 << 20)
        defer { Task { await server.stop() } }
        func expectError(_ reply: LiveServer.Reply, status: Int, code: String) throws {
            #expect(reply.status == status, "\(reply.text)")
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == code)
            #expect((error["message"] as? String)?.isEmpty == false)
        }
        // Every bad request's status and code is checked in process (BadInputRouteTests); over a
        // real socket: an upload stopped mid-stream at the limit, a job pinned to the CPU, and
        // the server still answering with nothing left in the spool.
        let audio = try LiveServer.clip("en-us_hello.wav")
        let onCPU = try await server.request("POST", "/api/transcriptions?device=cpu", body: audio)
        #expect(onCPU.status == 200, "\(onCPU.text)")
        #expect(try onCPU.json()["device"] as? String == "cpu")
        let big = try LiveServer.clip("en-mixed_story_32s.wav")  // 1 MB, over the 1 MiB limit with the form
        let (form, type) = LiveServer.multipart(file: big + big, name: "big.wav", fields: [:])
        try expectError(try await server.request("POST", "/v1/audio/transcriptions", body: form, headers: ["Content-Type": type]),
                        status: 413, code: "upload_too_large")
        // Still serving.
        let ok = try await server.request("POST", "/api/transcriptions", body: audio)
        #expect(ok.status == 200)
        let uploads = (try? FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.appendingPathComponent("uploads").path)) ?? []
        #expect(uploads.isEmpty, "spooled uploads are removed: \(uploads)")
    }
}
