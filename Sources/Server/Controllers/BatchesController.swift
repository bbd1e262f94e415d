import Foundation
import Hummingbird
import Service

/// `POST /api/batches` (many files in one multipart form, queued together; the form's fields
/// apply to every file, and `models` may name a model per file, comma-separated) and
/// `GET /api/batches/{id}` (each file's state and progress).
struct BatchesController {
    let intake: Intake
    let uploads: UploadReceiver

    /// A batch and its files, in the order they were sent.
    struct BatchView: Encodable {
        let id: String
        let createdAt: Date
        /// `queued` until a file starts, `running` until all have finished, then `done` (or
        /// `failed` when any file failed).
        let state: String
        let total: Int
        let done: Int
        let failed: Int
        let cancelled: Int
        /// The share of the batch's audio processed, 0...1, when the lengths are known.
        let progress: Double
        let files: [JobSummary]

        init(_ batch: BatchRecord, jobs: [JobRecord]) {
            id = batch.id
            createdAt = batch.createdAt
            total = jobs.count
            done = jobs.count { $0.state == .done }
            failed = jobs.count { $0.state == .failed }
            cancelled = jobs.count { $0.state == .cancelled }
            if done + failed + cancelled == total {
                state = failed > 0 ? "failed" : cancelled > 0 ? "cancelled" : "done"
            } else {
                state = jobs.allSatisfy { $0.state == .queued } ? "queued" : "running"
            }
            // Finished files count whole; the running one by its share.
            let shares = jobs.map { job -> Double in job.state.isFinished ? 1 : job.progress ?? 0 }
            progress = total == 0 ? 1 : shares.reduce(0, +) / Double(total)
            files = jobs.map(JobSummary.init)
        }

        enum CodingKeys: String, CodingKey {
            case id, state, total, done, failed, cancelled, progress, files
            case createdAt = "created_at"
        }
    }

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.post("api/batches") { request, _ in
            let upload = try await uploads.receive(request, allowMany: true)
            defer { upload.remove() }
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
            let parsed = try TranscriptionRequest(fields: upload.fields, query: query, openAI: false)
            let batch = BatchRecord()
            let models = upload.fields["models"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let jobs = try await intake.submit(upload.intakeFiles, parameters: parsed.parameters, models: models, batch: batch)
            var response = try JSONResponse.make(BatchView(batch, jobs: jobs))
            response.status = .accepted
            response.headers[.location] = "/api/batches/\(batch.id)"
            return response
        }
        router.delete("api/batches/:id") { _, context in
            // Cancels every file not finished yet; the finished ones keep their results.
            let id = try context.parameters.require("id")
            guard let batch = try await intake.queue.store.batch(id) else {
                throw ServiceError(.unknownBatch, "no batch with id \(id)")
            }
            let pending = try await intake.queue.store.jobs(inBatch: id).filter { !$0.state.isFinished }
            // Queued ones first, so that none starts while the running one is being stopped.
            for job in pending.sorted(by: { $0.state == .queued && $1.state != .queued }) {
                _ = try await intake.queue.cancel(job.id)
            }
            return try JSONResponse.make(BatchView(batch, jobs: try await intake.queue.store.jobs(inBatch: id)))
        }
        router.get("api/batches/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let batch = try await intake.queue.store.batch(id) else {
                throw ServiceError(.unknownBatch, "no batch with id \(id)")
            }
            return try JSONResponse.make(BatchView(batch, jobs: try await intake.queue.store.jobs(inBatch: id)))
        }
    }
}
