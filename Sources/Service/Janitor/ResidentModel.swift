import DeviceMemory
import Foundation

/// A model loaded on a device, as the model registry sees it.
public struct ResidentModel: Sendable, Equatable {
    /// The registry's name for the model (`whisper-tiny.en`).
    public var id: String
    public var device: DeviceID
    /// When a job last finished with (or started on) the model.
    public var lastUsed: Date
    /// A per-request keep-alive that overrides `idleUnloadSeconds` for this model: seconds to
    /// stay resident after `lastUsed`; 0 unloads after the job; a negative value or infinity
    /// keeps it resident (as Ollama's `keep_alive: -1`); nil follows the policy.
    public var keepAliveSeconds: Double?
    /// True while a job uses the model; such a model is never unloaded.
    public var isInUse: Bool

    public init(id: String, device: DeviceID, lastUsed: Date, keepAliveSeconds: Double? = nil, isInUse: Bool = false) {
        self.id = id
        self.device = device
        self.lastUsed = lastUsed
        self.keepAliveSeconds = keepAliveSeconds
        self.isInUse = isInUse
    }
}
