import Foundation
import Hummingbird
import Whisper

/// The options of a transcription request, from form fields (multipart) or the query string.
struct TranscriptionRequest {
    var model: String?
    var options = DecodingOptions()
    var format: TranscriptFormat?
    var keepAliveSeconds: Double??

    /// - Parameter names: how this API names the fields (Auris's or OpenAI's).
    init(fields: [String: String], query: [String: String], openAI: Bool) throws {
        func value(_ key: String) -> String? { fields[key] ?? query[key] }
        model = value("model").flatMap { $0.isEmpty ? nil : $0 }
        options.language = value("language").flatMap { $0.isEmpty ? nil : $0 }
        if let task = value("task") {
            guard let parsed = WhisperTask(rawValue: task) else {
                throw APIError(.badRequest, code: "invalid_task", "task must be transcribe or translate, not '\(task)'")
            }
            options.task = parsed
        }
        if let prompt = value(openAI ? "prompt" : "initial_prompt"), !prompt.isEmpty { options.initialPrompt = .text(prompt) }
        if let temperature = value("temperature") {
            let values = temperature.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw APIError(.badRequest, code: "invalid_temperature", "temperature takes non-negative numbers, comma-separated")
            }
            // OpenAI's single temperature still falls back upward, as faster-whisper does.
            let first = values[0]!
            options.temperatures = values.count > 1 ? values.compactMap { $0 } : stride(from: first, through: 1.0, by: 0.2).map { $0 }
        }
        if let keepAlive = value("keep_alive") {
            guard let seconds = Double(keepAlive) else {
                throw APIError(.badRequest, code: "invalid_keep_alive", "keep_alive is a number of seconds (negative: keep until unloaded)")
            }
            keepAliveSeconds = .some(seconds < 0 ? nil : seconds)
        }
        if let format = value(openAI ? "response_format" : "format") {
            let normalised = format == "text" ? "txt" : format
            if openAI && (format == "json" || format == "verbose_json") {
                self.format = nil
            } else {
                guard let parsed = TranscriptFormat(rawValue: normalised) else {
                    throw APIError(.badRequest, code: "invalid_format", "format must be one of json, txt (text), srt, vtt, not '\(format)'")
                }
                self.format = parsed
            }
        }
    }
}
