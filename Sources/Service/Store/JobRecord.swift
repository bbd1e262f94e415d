import Foundation
import GRDB
import Whisper

/// Where a job is in its life. Queued and running jobs are work; done, failed and cancelled
/// ones are the history.
public enum JobState: String, Sendable, Codable, DatabaseValueConvertible {
    case queued, running, done, failed, cancelled

    /// Done, failed or cancelled: nothing more will happen to it.
    public var isFinished: Bool { self == .done || self == .failed || self == .cancelled }

    static let finished: [JobState] = [.done, .failed, .cancelled]
}

/// One transcription job, as the store keeps it: the request, its progress and its result.
/// Column names and JSON keys are the same snake_case names.
public struct JobRecord: Sendable, Codable, Equatable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job"

    public var id: String
    public var batchID: String?
    /// Order within the batch.
    public var position: Int
    /// The uploaded file's name, as the client sent it.
    public var fileName: String
    /// The spooled audio, kept until the job has finished.
    public var audioPath: String?
    public var parameters: JobParameters
    public var state: JobState
    /// How many times the job has been started (more than once after an interrupted run).
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var processedSeconds: Double?
    public var totalSeconds: Double?
    /// The model that ran the job.
    public var model: String?
    public var device: String?
    public var transcript: Transcript?
    /// The transcript's text, kept apart so that the history can be searched.
    public var text: String?
    /// Why it failed: the message, and the service's code for it.
    public var error: String?
    public var errorCode: ServiceError.Code?
    public var errorAPICode: String?
    public var processingMilliseconds: Double?
    /// The memory the job used on its device, once it has run.
    public var memory: JobMemory?
    /// Why the running job waits before it starts (for memory), while it does.
    public var waiting: String?

    /// The error the job failed with, as the service reported it.
    public var failure: ServiceError? {
        guard state == .failed else { return nil }
        return ServiceError(errorCode ?? .engineFailure, error ?? "the job failed", apiCode: errorAPICode)
    }

    public init(id: String = UUID().uuidString.lowercased(), batchID: String? = nil, position: Int = 0,
                fileName: String, audioPath: String?, parameters: JobParameters, createdAt: Date = Date()) {
        self.id = id
        self.batchID = batchID
        self.position = position
        self.fileName = fileName
        self.audioPath = audioPath
        self.parameters = parameters
        self.state = .queued
        self.attempts = 0
        self.createdAt = createdAt
    }

    /// The share of the audio processed so far, 0...1 (1 once done), when known.
    public var progress: Double? {
        if state == .done { return 1 }
        guard let processedSeconds, let totalSeconds, totalSeconds > 0 else { return nil }
        return min(1, processedSeconds / totalSeconds)
    }

    public enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, position, parameters, state, attempts, model, device, transcript, text, error, memory, waiting
        case batchID = "batch_id"
        case fileName = "file_name"
        case audioPath = "audio_path"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case processedSeconds = "processed_seconds"
        case totalSeconds = "total_seconds"
        case processingMilliseconds = "processing_ms"
        case errorCode = "error_code"
        case errorAPICode = "error_api_code"
    }
}
