import Foundation
import Tensor
import Whisper

/// What a job was asked to do, in the terms of the API, kept with the job so that a job queued
/// before a restart runs exactly as requested after it.
public struct JobParameters: Sendable, Codable, Equatable {
    /// The model's name; nil runs the server's default.
    public var model: String?
    public var language: String?
    public var task: String?
    public var initialPrompt: String?
    public var temperatures: [Double]?
    /// How long the model stays loaded after this job: nil leaves the policy's keep-alive;
    /// `.forever` keeps it until it is unloaded by hand.
    public var keepAlive: KeepAlive?
    /// The device to run on, such as `cuda:1`; nil lets the first idle worker take the job.
    public var device: String?
    /// How the model's weights are held and multiplied; nil = the model as it is loaded, or the
    /// server's default.
    public var computeType: ComputeType?

    public enum KeepAlive: Sendable, Codable, Equatable {
        case seconds(Double)
        case forever

        /// The registry's form: nil = keep until unloaded.
        public var seconds: Double? {
            if case .seconds(let value) = self { value } else { nil }
        }

        // In JSON: a number of seconds, or "forever".
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { self = .seconds(seconds); return }
            guard try container.decode(String.self) == "forever" else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "keep_alive is seconds or \"forever\"")
            }
            self = .forever
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .seconds(let seconds): try container.encode(seconds)
            case .forever: try container.encode("forever")
            }
        }
    }

    public init(model: String? = nil, language: String? = nil, task: String? = nil, initialPrompt: String? = nil,
                temperatures: [Double]? = nil, keepAlive: KeepAlive? = nil, device: String? = nil, computeType: ComputeType? = nil) {
        self.model = model
        self.language = language
        self.task = task
        self.initialPrompt = initialPrompt
        self.temperatures = temperatures
        self.keepAlive = keepAlive
        self.device = device
        self.computeType = computeType
    }

    /// The engine's options for these parameters (faster-whisper's defaults elsewhere).
    public var decodingOptions: DecodingOptions {
        var options = DecodingOptions()
        options.language = language
        if let task, let parsed = WhisperTask(rawValue: task) { options.task = parsed }
        if let initialPrompt { options.initialPrompt = .text(initialPrompt) }
        if let temperatures, !temperatures.isEmpty { options.temperatures = temperatures }
        return options
    }

    enum CodingKeys: String, CodingKey {
        case model, language, task, temperatures, device
        case initialPrompt = "initial_prompt"
        case keepAlive = "keep_alive"
        case computeType = "compute_type"
    }
}
