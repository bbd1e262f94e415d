import Foundation
import Hummingbird
import Service

/// `GET /api/jobs/{id}` and `DELETE` (cancel); the history of finished jobs: `GET /api/history?q=&limit=&offset=`,
/// `GET /api/history/{id}[?format=txt|srt|vtt|json]`, `DELETE /api/history/{id}`.
struct HistoryController {
    let queue: JobQueue
    let live: LiveStreamService
    var store: any JobStore { queue.store }

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.get("api/jobs/:id") { _, context in
            try JSONResponse.make(JobDetail(try await job(context)))
        }
        router.delete("api/jobs/:id") { _, context in
            // Cancels a queued job, or a running one at its next progress event, or a live stream.
            let id = try context.parameters.require("id")
            let outcome = if let stream = try await live.cancel(id) { stream } else { try await queue.cancel(id) }
            switch outcome {
            case .cancelled(let job): return try JSONResponse.make(JobSummary(job))
            case .finished(let job):
                throw ServiceError(.jobFinished,
                    "job \(id) is \(job.state.rawValue) already; delete it from the history with DELETE /api/history/\(id)")
            case .unknown: throw ServiceError(.unknownJob, "no job with id \(id)")
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
            let format = try TranscriptFormat(apiName: name)
            guard let transcript = job.transcript else {
                throw ServiceError(.noTranscript, "job \(job.id) is \(job.state.rawValue) and has no transcript")
            }
            var response = JSONResponse.text(format.render(transcript), mediaType: format.mediaType)
            let base = (job.fileName as NSString).deletingPathExtension
            response.headers[.contentDisposition] = "attachment; filename=\"\(Self.safeFileName(base)).\(format.rawValue)\""
            return response
        }
        router.delete("api/history/:id") { _, context in
            try await queue.deleteFinished(try context.parameters.require("id"))
            return Response(status: .noContent)
        }
    }

    private func job(_ context: AurisRequestContext) async throws -> JobRecord {
        let id = try context.parameters.require("id")
        guard let job = try await store.job(id) else { throw ServiceError(.unknownJob, "no job with id \(id)") }
        return job
    }

    static func integer(_ text: Substring?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ServiceError.invalid(name, "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A download name without quotes, slashes or control characters.
    static func safeFileName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { $0.properties.isWhitespace || CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_" })
        return cleaned.isEmpty ? "transcript" : cleaned
    }
}
