import Foundation
import Service

/// A job as the API shows it in lists: state, progress and a preview of the text, without the
/// segments (and never the server's file paths).
struct JobSummary: Encodable {
    let id: String
    let batchID: String?
    let fileName: String
    let state: JobState
    let progress: Double?
    let processedSeconds: Double?
    let totalSeconds: Double?
    let model: String?
    let requestedModel: String?
    let device: String?
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let processingMilliseconds: Double?
    let text: String?
    let error: String?
    /// What the job used on its device, once it has run.
    let memory: JobMemory?
    /// Why it waits before it starts, while it does.
    let waiting: String?

    init(_ job: JobRecord) {
        id = job.id
        batchID = job.batchID
        fileName = job.fileName
        state = job.state
        progress = job.progress
        processedSeconds = job.processedSeconds
        totalSeconds = job.totalSeconds
        model = job.model
        requestedModel = job.parameters.model
        device = job.device
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        processingMilliseconds = job.processingMilliseconds
        text = job.text
        error = job.error
        memory = job.memory
        waiting = job.waiting
    }

    enum CodingKeys: String, CodingKey {
        case id, state, progress, model, device, text, error, memory, waiting
        case batchID = "batch_id"
        case fileName = "file_name"
        case processedSeconds = "processed_seconds"
        case totalSeconds = "total_seconds"
        case requestedModel = "requested_model"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case processingMilliseconds = "processing_ms"
    }
}

/// One job in full: the summary, the parameters and the transcript with its segments.
struct JobDetail: Encodable {
    let summary: JobSummary
    let parameters: JobParameters
    let transcript: Transcript?

    init(_ job: JobRecord) {
        summary = JobSummary(job)
        parameters = job.parameters
        transcript = job.transcript
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(parameters, forKey: .parameters)
        try container.encodeIfPresent(transcript, forKey: .transcript)
    }
    enum Keys: String, CodingKey { case parameters, transcript }
}

/// A page of a longer list.
struct Page<Item: Encodable>: Encodable {
    let total: Int
    let limit: Int
    let offset: Int
    let items: [Item]
}
