import Foundation
import Hummingbird
import Service
import Whisper

/// `GET /api/jobs/{id}` and `DELETE` (cancel); the history of finished jobs: `GET /api/history?q=&limit=&offset=`,
/// `GET /api/history/{id}[?format=txt|srt|vtt|json]`, `DELETE /api/history/{id}`.
struct HistoryController {
    let queue: JobQueue
    var store: Store { queue.store }

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.get("api/jobs/:id") { _, context in
            try JSONResponse.make(JobDetail(try await job(context)))
        }
        router.delete("api/jobs/:id") { _, context in
            // Cancels a queued job, or a running one at its next progress event.
            let id = try context.parameters.require("id")
            switch try await queue.cancel(id) {
            case .cancelled(let job): return try JSONResponse.make(JobSummary(job))
            case .finished(let job):
                throw APIError(.conflict, code: "job_finished",
                    "job \(id) is \(job.state.rawValue) already; delete it from the history with DELETE /api/history/\(id)")
            case .unknown: throw APIError(.notFound, code: "unknown_job", "no job with id \(id)")
            }
        }
        router.get("api/history") { request, _ in
            let query = request.uri.queryParameters
            let limit = try Self.integer(query["limit"], name: "limit", default: 50, range: 1...500)
            let offset = try Self.integer(query["offset"], name: "offset", default: 0, range: 0...Int.max)
            let (total, jobs) = try await store.history(matching: query["q"].map(String.init), limit: limit, offset: offset)
            return try JSONResponse.make(Page(total: total, limit: limit, offset: offset, items: jobs.map(JobSummary.init)))
        }
        router.get("api/history/:id") { request, context in
            let job = try await job(context)
            guard let name = request.uri.queryParameters["format"].map(String.init) else {
                return try JSONResponse.make(JobDetail(job))
            }
            guard let format = TranscriptFormat(rawValue: name == "text" ? "txt" : name) else {
                throw APIError(.badRequest, code: "invalid_format", "format must be one of json, txt, srt, vtt, not '\(name)'")
            }
            guard let transcript = job.transcript else {
                throw APIError(.conflict, code: "no_transcript", "job \(job.id) is \(job.state.rawValue) and has no transcript")
            }
            var response = JSONResponse.text(format.render(transcript), mediaType: format.mediaType)
            let base = (job.fileName as NSString).deletingPathExtension
            response.headers[.contentDisposition] = "attachment; filename=\"\(Self.safeFileName(base)).\(format.rawValue)\""
            return response
        }
        router.delete("api/history/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let deleted = try await store.deleteFinishedJob(id) else {
                let state = try await store.job(id)?.state.rawValue
                throw state.map { APIError(.conflict, code: "job_not_finished", "job \(id) is \($0); only finished jobs can be deleted") }
                    ?? APIError(.notFound, code: "unknown_job", "no job with id \(id)")
            }
            if let audio = deleted.audioPath { try? FileManager.default.removeItem(atPath: audio) }
            return Response(status: .noContent)
        }
    }

    private func job(_ context: AurisRequestContext) async throws -> JobRecord {
        let id = try context.parameters.require("id")
        guard let job = try await store.job(id) else { throw APIError(.notFound, code: "unknown_job", "no job with id \(id)") }
        return job
    }

    static func integer(_ text: Substring?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, code: "invalid_\(name)", "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A download name without quotes, slashes or control characters.
    static func safeFileName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { $0.properties.isWhitespace || CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_" })
        return cleaned.isEmpty ? "transcript" : cleaned
    }
}
