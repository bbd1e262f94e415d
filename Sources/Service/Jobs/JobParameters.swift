import DeviceMemory
import Foundation
import Tensor
import Whisper

/// What a job was asked to do, in the terms of the API, kept with the job so that a job queued
/// before a restart runs exactly as requested after it.
public struct JobParameters: Sendable, Codable, Equatable {
    /// The model's name; nil runs the server's default.
    public var model: String?
    public var language: String?
    public var task: WhisperTask?
    public var initialPrompt: String?
    public var temperatures: [Double]?
    /// How long the model stays loaded after this job: nil leaves the policy's keep-alive;
    /// `.forever` keeps it until it is unloaded by hand.
    public var keepAlive: KeepAlive?
    /// The device to run on, such as `cuda:1`; nil lets the scheduler choose (Note [Which worker
    /// runs a job]).
    public var device: DeviceID?
    /// How the model's weights are held and multiplied; nil = the model as it is loaded, or the
    /// server's default.
    public var computeType: ComputeType?
    /// Whether every word gets its time (nil: no).
    public var wordTimestamps: Bool?
    /// Words to expect, ahead of every window's previous text (faster-whisper's `hotwords`).
    public var hotwords: String?
    /// Transcribe only the speech voice activity detection finds, with these settings (nil:
    /// everything; faster-whisper's `vad_filter` and `vad_parameters`).
    public var voiceActivity: VoiceActivityOptions?

    public init(model: String? = nil, language: String? = nil, task: WhisperTask? = nil, initialPrompt: String? = nil,
                temperatures: [Double]? = nil, keepAlive: KeepAlive? = nil, device: DeviceID? = nil, computeType: ComputeType? = nil) {
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
        if let task { options.task = task }
        if let initialPrompt { options.initialPrompt = .text(initialPrompt) }
        if let temperatures, !temperatures.isEmpty { options.temperatures = temperatures }
        options.wordTimestamps = wordTimestamps ?? false
        options.hotwords = hotwords
        options.voiceActivity = voiceActivity
        return options
    }

    enum CodingKeys: String, CodingKey {
        case model, language, task, temperatures, device
        case initialPrompt = "initial_prompt"
        case keepAlive = "keep_alive"
        case computeType = "compute_type"
        case wordTimestamps = "word_timestamps"
        case hotwords
        case voiceActivity = "vad"
    }
}
