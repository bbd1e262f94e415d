import DeviceMemory
import Foundation
import Whisper

extension JobParameters {
    /// Reads and checks a transcription request's fields (form fields and query parameters,
    /// merged): every value is parsed here, once, into its type, and a bad one is refused naming
    /// the parameter.
    ///
    /// - Parameter openAI: whether the fields have OpenAI's names (`prompt` for the initial
    ///   prompt).
    public init(request fields: [String: String], openAI: Bool) throws(ServiceError) {
        self.init()
        func value(_ key: String) -> String? { fields[key].flatMap { $0.isEmpty ? nil : $0 } }
        model = value("model")
        language = value("language")
        if let task = value("task") {
            guard let parsed = WhisperTask(rawValue: task) else {
                throw .invalid("task", "task must be transcribe or translate, not '\(task)'")
            }
            self.task = parsed
        }
        // Prompt text is encoded for every window and the model reads at most 223 tokens of it:
        // a megabyte of it would be only work.
        for (key, field) in [(openAI ? "prompt" : "initial_prompt", \JobParameters.initialPrompt), ("hotwords", \.hotwords)] {
            guard let text = value(key) else { continue }
            guard text.count <= Self.longestPromptText else {
                throw .invalid(key, "\(key) is at most \(Self.longestPromptText) characters (the model reads about 1,000), not \(text.count)")
            }
            self[keyPath: field] = text
        }
        if let temperature = value("temperature") {
            let values = temperature.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            // Whisper samples at 0 ... 1 (OpenAI's range); a single value falls back upward to 1,
            // so above 1 there would be no ladder at all, and infinity is no temperature.
            guard !values.isEmpty, values.allSatisfy({ $0.map { (0...1).contains($0) } ?? false }) else {
                throw .invalid("temperature", "temperature takes numbers from 0 to 1, comma-separated, not '\(temperature)'")
            }
            // Every temperature is one more decoding pass over a window that fails its checks, so
            // the ladder's length bounds a window's work (docs/reliability.md, "Decided").
            guard values.count <= Self.mostTemperatures else {
                throw .invalid("temperature", "temperature takes at most \(Self.mostTemperatures) values (0 to 1 by 0.1), not \(values.count)")
            }
            // OpenAI's single temperature still falls back upward, as faster-whisper does.
            let first = values[0]!
            temperatures = values.count > 1 ? values.compactMap { $0 } : stride(from: first, through: 1.0, by: 0.2).map { $0 }
        }
        if let device = value("device") {
            do throws(DeviceMemoryError) {
                self.device = try DeviceID(parsing: device)
            } catch {
                throw .invalid("device", error.message)
            }
        }
        if let computeType = value("compute_type") {
            guard let parsed = ComputeType(name: computeType) else {
                throw .invalid("compute_type", "compute_type must be float32, float16 or int8, not '\(computeType)'")
            }
            self.computeType = parsed
        }
        // OpenAI asks for words with `timestamp_granularities[]=word` (and renders them in
        // verbose_json); the native API with `word_timestamps=true`.
        if let granularities = value("timestamp_granularities[]") ?? value("timestamp_granularities") {
            let names = granularities.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard names.allSatisfy({ $0 == "word" || $0 == "segment" }) else {
                throw .invalid("timestamp_granularities", "timestamp_granularities takes word and segment, not '\(granularities)'")
            }
            wordTimestamps = names.contains("word")
        }
        if let flag = value("word_timestamps") {
            guard let parsed = Bool(flag.lowercased()) else {
                throw .invalid("word_timestamps", "word_timestamps is true or false, not '\(flag)'")
            }
            wordTimestamps = parsed
        }
        try readVoiceActivity(filter: value("vad_filter"), parameters: value("vad_parameters"))
        if let text = value("keep_alive") {
            keepAlive = try Self.keepAlive(text)
        }
    }

    /// `vad_filter=true` turns voice activity detection on; `vad_parameters`, a JSON object with
    /// faster-whisper's `VadOptions` names, tunes it (and implies it).
    private mutating func readVoiceActivity(filter: String?, parameters: String?) throws(ServiceError) {
        var enabled = false
        if let filter {
            guard let parsed = Bool(filter.lowercased()) else {
                throw .invalid("vad_filter", "vad_filter is true or false, not '\(filter)'")
            }
            enabled = parsed
        }
        var options = VoiceActivityOptions()
        if let parameters {
            do {
                options = try JSONDecoder().decode(VoiceActivityOptions.self, from: Data(parameters.utf8))
            } catch {
                throw .invalid("vad_parameters", "vad_parameters is a JSON object such as {\"threshold\": 0.5, \"min_silence_duration_ms\": 2000, \"speech_pad_ms\": 400}, not '\(parameters.prefix(200))'")
            }
            if filter == nil { enabled = true }
        }
        if let problem = options.problem { throw .invalid("vad_parameters", problem) }
        voiceActivity = enabled ? options : nil
    }

    /// The longest initial prompt or hotwords a request may give.
    public static let longestPromptText = 100_000

    /// The longest temperature ladder a request may ask for: 0 to 1 by 0.1.
    public static let mostTemperatures = 11

    /// A keep-alive as the API writes it: seconds, negative meaning until unloaded by hand.
    public static func keepAlive(_ text: String) throws(ServiceError) -> KeepAlive {
        guard let keepAlive = Double(text).flatMap(KeepAlive.init(requestSeconds:)) else {
            throw .invalid("keep_alive", "keep_alive is a number of seconds up to \(Int(KeepAlive.longestSeconds)) (a year), "
                + "or negative to keep the model until it is unloaded; not '\(text)'")
        }
        return keepAlive
    }
}

extension TranscriptFormat {
    /// A response format by the API's name (`text` is accepted for `txt`, as OpenAI names it).
    public init(apiName: String) throws(ServiceError) {
        guard let format = TranscriptFormat(rawValue: apiName == "text" ? "txt" : apiName) else {
            throw .invalid("format", "format must be one of json, txt (text), srt, vtt, not '\(apiName)'")
        }
        self = format
    }
}
