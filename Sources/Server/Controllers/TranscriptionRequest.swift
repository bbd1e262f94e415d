import DeviceMemory
import Foundation
import Hummingbird
import Service
import Tensor
import Whisper

/// The options of a transcription request, from form fields (multipart) or the query string.
struct TranscriptionRequest {
    var parameters = JobParameters()
    var format: TranscriptFormat?
    /// OpenAI's `verbose_json`.
    var verbose = false

    /// - Parameter openAI: whether the fields have OpenAI's names (`prompt`, `response_format`).
    init(fields: [String: String], query: [String: String], openAI: Bool) throws {
        func value(_ key: String) -> String? { fields[key] ?? query[key] }
        parameters.model = value("model").flatMap { $0.isEmpty ? nil : $0 }
        parameters.language = value("language").flatMap { $0.isEmpty ? nil : $0 }
        if let task = value("task") {
            guard WhisperTask(rawValue: task) != nil else {
                throw APIError(.badRequest, code: "invalid_task", "task must be transcribe or translate, not '\(task)'")
            }
            parameters.task = task
        }
        if let prompt = value(openAI ? "prompt" : "initial_prompt"), !prompt.isEmpty { parameters.initialPrompt = prompt }
        if let temperature = value("temperature") {
            let values = temperature.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw APIError(.badRequest, code: "invalid_temperature", "temperature takes non-negative numbers, comma-separated")
            }
            // OpenAI's single temperature still falls back upward, as faster-whisper does.
            let first = values[0]!
            parameters.temperatures = values.count > 1 ? values.compactMap { $0 } : stride(from: first, through: 1.0, by: 0.2).map { $0 }
        }
        if let device = value("device").flatMap({ $0.isEmpty ? nil : $0 }) {
            do throws(DeviceMemoryError) {
                parameters.device = try DeviceID(parsing: device).description
            } catch {
                throw APIError(.badRequest, code: "invalid_device", error.message)
            }
        }
        if let computeType = value("compute_type").flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let parsed = ComputeType(name: computeType) else {
                throw APIError(.badRequest, code: "invalid_compute_type", "compute_type must be float32, float16 or int8, not '\(computeType)'")
            }
            parameters.computeType = parsed
        }
        if let keepAlive = value("keep_alive") {
            guard let seconds = Double(keepAlive) else {
                throw APIError(.badRequest, code: "invalid_keep_alive", "keep_alive is a number of seconds (negative: keep until unloaded)")
            }
            parameters.keepAlive = seconds < 0 ? .forever : .seconds(seconds)
        }
        if let format = value(openAI ? "response_format" : "format") {
            let normalised = format == "text" ? "txt" : format
            if openAI && (format == "json" || format == "verbose_json") {
                verbose = format == "verbose_json"
            } else {
                guard let parsed = TranscriptFormat(rawValue: normalised) else {
                    throw APIError(.badRequest, code: "invalid_format", "format must be one of json, txt (text), srt, vtt, not '\(format)'")
                }
                self.format = parsed
            }
        }
    }
}
