import Audio
import DeviceMemory
import Foundation
import Whisper

/// The one error type of the service layer: a code to branch on (the server maps each to one
/// HTTP status), the code clients see (`apiCode`, such as `invalid_task`), and a message a user
/// can act on. Every lower module's error becomes one of these in `init(mapping:)`, the only
/// place that knows them.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// A request parameter is wrong; `apiCode` is `invalid_<parameter>`.
        case invalidParameter = "invalid_parameter"
        /// The audio cannot be read (not audio, truncated, empty, an unsupported encoding).
        case badAudio = "bad_audio"
        /// The audio needs ffmpeg, and ffmpeg is missing or failed.
        case audioTool = "audio_tool"
        case unknownModel = "unknown_model"
        case unknownJob = "unknown_job"
        case unknownBatch = "unknown_batch"
        /// No worker of that name shares this server's database.
        case unknownWorker = "unknown_worker"
        /// The worker has stopped reporting, or did not carry out a command in time.
        case workerUnavailable = "worker_unavailable"
        /// A device this server has not opened (nothing has run on it).
        case deviceNotOpen = "device_not_open"
        case modelBusy = "model_busy"
        /// The model is not loaded, and the action needs it loaded (putting it to sleep).
        case modelNotLoaded = "model_not_loaded"
        /// The job has finished and cannot be cancelled.
        case jobFinished = "job_finished"
        /// The job has not finished: no result yet, or it cannot be deleted while it runs.
        case jobNotFinished = "job_not_finished"
        /// The job finished without a transcript (it failed or was cancelled).
        case noTranscript = "no_transcript"
        /// A user cancelled the job.
        case cancelled
        /// A model's files are missing or damaged; the message names the file.
        case modelUnreadable = "model_unreadable"
        /// The device has not the memory the work needs, even after releasing its cache and
        /// unloading idle models.
        case outOfMemory = "out_of_memory"
        /// The server is stopping; the request may be tried again after the restart.
        case shuttingDown = "shutting_down"
        /// A device or a library it needs cannot be used here.
        case deviceUnavailable = "device_unavailable"
        /// There is no room left on the disk for uploads or a long recording's features.
        case storageFull = "storage_full"
        /// Another process has held the store's write lock for longer than the store waits
        /// (Note [A disk that fills, a store that is locked]); the request may be tried again.
        case storeBusy = "store_busy"
        /// The engine failed on valid input: a bug, reported with the engine's message.
        case engineFailure = "engine_failure"
    }

    public let code: Code
    public let message: String
    /// What clients see in `{"error": {"code": ...}}`.
    public let apiCode: String
    /// The request parameter or policy field the error is about, in the client's spelling
    /// (`task`, `warning_fraction`), so that a page can point at it; `{"error": {"field": ...}}`.
    public let field: String?

    public init(_ code: Code, _ message: String, apiCode: String? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
        // A cancelled job has always been `job_cancelled` on the wire.
        self.apiCode = apiCode ?? (code == .cancelled ? "job_cancelled" : code.rawValue)
    }

    /// A bad request parameter, named: `invalid_<parameter>`.
    public static func invalid(_ parameter: String, _ message: String) -> ServiceError {
        ServiceError(.invalidParameter, message, apiCode: "invalid_\(parameter)", field: parameter)
    }

    /// A memory policy that cannot be installed: `invalid_policy`, naming the policy field when
    /// the error is about one.
    public static func invalidPolicy(_ message: String, field: String? = nil) -> ServiceError {
        ServiceError(.invalidParameter, message, apiCode: "invalid_policy", field: field)
    }

    public var description: String { message }

    /// Any error of the modules below, as the service reports it.
    public init(mapping error: any Error) {
        if let failure = ServiceError(storageFailure: error) {
            self = failure
            return
        }
        switch error {
        case let error as ServiceError:
            self = error
        case let error as AudioError:
            let tool = error.code == .ffmpegFailed || error.code == .ffmpegMissing
            self.init(tool ? .audioTool : .badAudio, error.message, apiCode: "bad_audio_\(error.code.rawValue)")
        case let error as DeviceMemoryError:
            switch error.code {
            case .outOfMemory: self.init(.outOfMemory, error.message)
            case .invalidDevice: self = .invalid("device", error.message)
            case .unavailable: self.init(.deviceUnavailable, error.message)
            default: self.init(.engineFailure, error.message, apiCode: error.code.rawValue)
            }
        case let error as WhisperError:
            switch error.code {
            case .unsupportedLanguage: self = .invalid("language", error.message)
            case .invalidOptions: self = .invalid("options", error.message)
            case .featureStorage: self.init(.storageFull, error.message)
            case _ where error.isAboutTheModel: self.init(.modelUnreadable, error.message)
            default: self.init(.engineFailure, error.message, apiCode: error.code.rawValue)
            }
        case is DecodingError:
            self = .invalid("body", "the body is not the JSON this route takes: \(error)")
        case is CancellationError:
            self.init(.cancelled, "the work was cancelled")
        default:
            self.init(.engineFailure, "\(error)")
        }
    }
}
