import Foundation
import Whisper

/// What a live stream asks for, from its first (JSON) message. Every field is optional.
public struct LiveStreamRequest: Sendable, Equatable {
    /// How the binary messages carry samples.
    public enum Encoding: String, Sendable, Codable {
        /// Signed 16-bit little-endian integers (what a WAV file holds).
        case pcm16 = "pcm_s16le"
        /// 32-bit little-endian floats in -1 ... 1 (what Web Audio gives).
        case float32 = "pcm_f32le"
        var bytesPerSample: Int { self == .pcm16 ? 2 : 4 }
    }

    public var model: String?
    public var language: String?
    public var task: WhisperTask?
    public var device: DeviceID?
    public var sampleRate = 16_000
    public var encoding = Encoding.pcm16
    public var wordTimestamps = false
    public var hotwords: String?
    public var endSilenceMs = 500
    public var partialIntervalMs = 500
    public var keepAlive: KeepAlive?

    public init() {}

    /// The first message's JSON, checked field by field (errors name the field).
    public init(json: String) throws(ServiceError) {
        self.init()
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw .invalid("start", "the first message must be a JSON object such as {\"type\": \"start\", \"sample_rate\": 16000}, not '\(json.prefix(200))'")
        }
        if let type = object["type"], type as? String != "start" {
            throw .invalid("start", "the first message's type must be \"start\", not \(type)")
        }
        let known: Set = ["type", "model", "language", "task", "device", "sample_rate", "encoding", "word_timestamps", "hotwords",
                          "end_silence_ms", "partial_interval_ms", "keep_alive"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid(unknown, "unknown field '\(unknown)' in the start message; known: \(known.sorted().joined(separator: ", "))")
        }
        // The same rules as a transcription request's fields, for the fields they share.
        var fields: [String: String] = [:]
        for key in ["model", "language", "task", "device", "hotwords"] {
            guard let value = object[key] else { continue }
            guard let text = value as? String else { throw .invalid(key, "\(key) must be a string") }
            fields[key] = text
        }
        if let keepAlive = object["keep_alive"] {
            guard let seconds = keepAlive as? Double else { throw .invalid("keep_alive", "keep_alive must be a number of seconds") }
            fields["keep_alive"] = String(seconds)
        }
        let shared = try JobParameters(request: fields, openAI: false)
        model = shared.model
        language = shared.language
        task = shared.task
        device = shared.device
        hotwords = shared.hotwords
        keepAlive = shared.keepAlive
        if let rate = object["sample_rate"] {
            guard let value = rate as? Int, (8_000...192_000).contains(value) else {
                throw .invalid("sample_rate", "sample_rate must be a whole number of Hz from 8000 to 192000, not \(rate)")
            }
            sampleRate = value
        }
        if let name = object["encoding"] {
            guard let text = name as? String, let value = Encoding(rawValue: text) else {
                throw .invalid("encoding", "encoding must be pcm_s16le or pcm_f32le, not \(name)")
            }
            encoding = value
        }
        if let flag = object["word_timestamps"] {
            guard let value = flag as? Bool else { throw .invalid("word_timestamps", "word_timestamps must be true or false") }
            wordTimestamps = value
        }
        for (key, range, keyPath) in [("end_silence_ms", 100...10_000, \LiveStreamRequest.endSilenceMs),
                                      ("partial_interval_ms", 100...10_000, \LiveStreamRequest.partialIntervalMs)] {
            guard let raw = object[key] else { continue }
            guard let value = raw as? Int, range.contains(value) else {
                throw .invalid(key, "\(key) must be a whole number of milliseconds from \(range.lowerBound) to \(range.upperBound), not \(raw)")
            }
            self[keyPath: keyPath] = value
        }
    }

    /// The parameters kept with the stream's job record.
    var jobParameters: JobParameters {
        var parameters = JobParameters(model: model, language: language, task: task, keepAlive: keepAlive, device: device)
        parameters.wordTimestamps = wordTimestamps
        parameters.hotwords = hotwords
        return parameters
    }

    /// The recognizer's settings for this request on a model that is (or is not) multilingual.
    func settings(multilingual: Bool) -> LiveRecognizer.Settings {
        var decoding = jobParameters.decodingOptions
        if !multilingual { decoding.language = "en" }
        var settings = LiveRecognizer.Settings(decoding: decoding)
        settings.endSilenceMs = endSilenceMs
        settings.partialIntervalMs = partialIntervalMs
        return settings
    }
}
