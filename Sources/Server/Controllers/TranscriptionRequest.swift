import Foundation
import Service

/// The options of a transcription request, from form fields (multipart) or the query string:
/// the job's parameters (checked by the service) and how to render the answer.
struct TranscriptionRequest {
    var parameters: JobParameters
    var format: TranscriptFormat?
    /// OpenAI's `verbose_json`.
    var verbose = false

    /// - Parameter openAI: whether the fields have OpenAI's names (`prompt`, `response_format`).
    init(fields: [String: String], query: [String: String], openAI: Bool) throws {
        let merged = query.merging(fields) { _, field in field }
        parameters = try JobParameters(request: merged, openAI: openAI)
        if let format = merged[openAI ? "response_format" : "format"] {
            if openAI && (format == "json" || format == "verbose_json") {
                verbose = format == "verbose_json"
            } else {
                self.format = try TranscriptFormat(apiName: format)
            }
        }
    }
}
