import DeviceMemory
import GPU
import Tensor
import Whisper

// The typed values of the service's API, named here so that its callers (the HTTP server, the
// command line) need no module below this one. Each is the lower module's own type, not a copy.

/// A device by name: `cpu`, `cuda:0`, ...
public typealias DeviceID = DeviceMemory.DeviceID
// How a model's weights are held and multiplied (float32, float16, int8). Re-exported rather
// than aliased: the module Tensor has a type Tensor, so `Tensor.ComputeType` cannot name it.
@_exported import enum Tensor.ComputeType
/// Transcribe, or translate into English.
public typealias WhisperTask = Whisper.WhisperTask
public typealias Transcript = Whisper.Transcript
public typealias TranscriptSegment = Whisper.TranscriptSegment
/// txt, srt, vtt, json.
public typealias TranscriptFormat = Whisper.TranscriptFormat
public typealias AllocatorConfiguration = DeviceMemory.AllocatorConfiguration
/// One caching allocator per device, GPU ones opened on first use.
public typealias DeviceAllocators = GPU.DeviceAllocators
public typealias EmptyCacheReport = DeviceMemory.EmptyCacheReport
public typealias MemorySnapshot = DeviceMemory.MemorySnapshot
/// What a clear would release now, per device.
public typealias ClearPreview = DeviceMemory.ClearPreview
/// One process's use of a GPU, as NVML reports it.
public typealias GPUProcessUsage = GPU.GPUProcessUsage
/// The out-of-memory test hook (`AURIS_FAULT_OOM`).
public typealias OutOfMemoryFaults = DeviceMemory.OutOfMemoryFaults

/// How long a model stays loaded after its last use.
public enum KeepAlive: Sendable, Codable, Equatable, Hashable {
    case seconds(Double)
    /// Until it is unloaded by hand.
    case forever

    /// The longest finite keep-alive: a year. Longer is a typo or a probe, not a plan; -1 keeps
    /// a model until it is unloaded by hand.
    public static let longestSeconds: Double = 365 * 86_400

    /// The API's reading of a number: seconds, and a negative number keeps the model forever.
    /// Nil for what no clock can hold (NaN, infinities, more than `longestSeconds`): such a value
    /// would reach the JSON of every later answer that shows the model, and JSON has no infinity.
    public init?(requestSeconds seconds: Double) {
        guard seconds.isFinite, seconds <= Self.longestSeconds else { return nil }
        self = seconds < 0 ? .forever : .seconds(seconds)
    }

    /// Seconds, or nil for forever.
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

/// How an audited action ended.
public enum AuditOutcome: String, Sendable, Codable, Equatable {
    case ok
    case failed
    /// A caller was turned away (not allowed to administer).
    case refused
}
