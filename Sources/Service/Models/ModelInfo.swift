import DeviceMemory
import Foundation
import Tensor
import Whisper

/// A model the server knows about, and whether (and until when) it is resident.
public struct ModelInfo: Codable, Sendable, Equatable {
    public var id: String
    public var path: String
    public var device: DeviceID
    public var loaded: Bool
    /// How its weights are held: as loaded, or as they will be when it is next loaded.
    public var computeType: ComputeType
    /// Bytes of weights held on the device while loaded.
    public var bytesHeld: Int
    public var multilingual: Bool?
    /// Jobs using it right now.
    public var activeJobs: Int
    public var lastUsed: Date?
    /// How long it stays loaded after its last use; nil = until unloaded by hand.
    public var keepAliveSeconds: Double?
    /// When it will be unloaded if not used again.
    public var expiresAt: Date?
    /// Put to sleep: its weights wait in host memory, off the device (Note [Sleeping models]).
    public var sleeping: Bool = false
    /// Host bytes its weights take while asleep.
    public var hostBytes: Int = 0
    /// How long its last wake took.
    public var lastWakeMilliseconds: Double?
    /// What a job on it needs, measured before its first job (Note [Predicting a job's peak]).
    public var memoryProfile: WhisperMemoryProfile?

    enum CodingKeys: String, CodingKey {
        case id, path, device, loaded, multilingual
        case computeType = "compute_type"
        case bytesHeld = "bytes_held"
        case activeJobs = "active_jobs"
        case lastUsed = "last_used"
        case keepAliveSeconds = "keep_alive_seconds"
        case expiresAt = "expires_at"
        case sleeping
        case hostBytes = "host_bytes"
        case lastWakeMilliseconds = "last_wake_ms"
        case memoryProfile = "memory_profile"
    }
}
