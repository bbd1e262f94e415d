import DeviceMemory
import Foundation

/// The JSON payloads of the server-sent events other than memory samples.
public enum EventPayloads {
    /// A janitor action: a warning (with the suggested action), its withdrawal, an unload or a
    /// cache release (with the figures).
    public struct Policy: Encodable, Sendable {
        let kind: String, device: String, policy: String, reason: String
        let suggestion: String?
        let reservedFraction: Double?
        let report: EmptyCacheReport?

        public init(_ action: JanitorAction, report: EmptyCacheReport?) {
            device = action.device.description
            policy = action.policy.rawValue
            reason = action.reason
            self.report = report
            switch action {
            case .warn(_, let fraction, _, let suggestion, _):
                (kind, self.suggestion, reservedFraction) = ("warning", suggestion, fraction)
            case .clearWarning:
                (kind, suggestion, reservedFraction) = ("warning_cleared", nil, nil)
            case .emptyCache:
                (kind, suggestion, reservedFraction) = ("empty_cache", nil, nil)
            case .unloadModel(let id, _, _, _):
                (kind, suggestion, reservedFraction) = ("unload_model:\(id)", nil, nil)
            }
        }

        enum CodingKeys: String, CodingKey {
            case kind, device, policy, reason, suggestion, report
            case reservedFraction = "reserved_fraction"
        }
    }

    /// Progress of one transcription job.
    public struct Job: Encodable, Sendable {
        let job: String
        let batch: String?
        let file: String?
        let state: String
        let processedSeconds: Double?
        let totalSeconds: Double?
        let error: String?
        /// Why a running job waits for memory, while it does.
        let waiting: String?

        init(job: String, batch: String? = nil, file: String? = nil, state: String,
             processedSeconds: Double? = nil, totalSeconds: Double? = nil, error: String? = nil, waiting: String? = nil) {
            self.waiting = waiting
            self.job = job
            self.batch = batch
            self.file = file
            self.state = state
            self.processedSeconds = processedSeconds
            self.totalSeconds = totalSeconds
            self.error = error
        }

        public init(_ event: JobQueue.JobEvent) {
            switch event {
            case .queued(let record), .started(let record), .finished(let record):
                self.init(job: record.id, batch: record.batchID, file: record.fileName, state: record.state.rawValue,
                          processedSeconds: record.processedSeconds, totalSeconds: record.totalSeconds, error: record.error)
            case .progress(let id, let batchID, let processed, let total):
                self.init(job: id, batch: batchID, state: "running", processedSeconds: processed, totalSeconds: total)
            case .requeued(let record):
                self.init(job: record.id, batch: record.batchID, file: record.fileName, state: "queued")
            case .recovered(let id):
                self.init(job: id, state: "queued")
            case .waiting(let id, let batchID, let reason):
                self.init(job: id, batch: batchID, state: "running", waiting: reason)
            case .outcomeRefused(let id, _):
                self.init(job: id, state: "running", waiting: "this worker's lease expired; another worker runs the job")
            }
        }

        enum CodingKeys: String, CodingKey {
            case job, batch, file, state, error, waiting
            case processedSeconds = "processed_seconds"
            case totalSeconds = "total_seconds"
        }
    }
}
