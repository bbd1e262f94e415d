import DeviceMemory
import Foundation

/// Models on every serving device: the list, and loading and unloading (audited), on the first
/// device unless one is named.
public struct ModelsService: Sendable {
    /// One per serving device, the first being the default.
    public let registries: [ModelRegistry]
    public let audit: AuditLog

    public init(registries: [ModelRegistry], audit: AuditLog) {
        precondition(!registries.isEmpty, "at least one device")
        self.registries = registries
        self.audit = audit
    }

    public var devices: [DeviceID] { registries.map(\.device) }
    public var defaultModelID: String { registries[0].defaultModelID }

    /// The registry of `device`, or the first.
    public func registry(on device: DeviceID?) throws(ServiceError) -> ModelRegistry {
        guard let device else { return registries[0] }
        guard let registry = registries.first(where: { $0.device == device }) else {
            throw .invalid("device", "the server does not run models on '\(device)'; it serves \(devices.map(\.description).joined(separator: ", "))")
        }
        return registry
    }

    /// Every device's models.
    public func list() async -> [ModelInfo] {
        var models: [ModelInfo] = []
        for registry in registries { models += registry.list() }
        return models
    }

    public func load(_ id: String, on device: DeviceID?, keepAlive: KeepAlive?, computeType: ComputeType?,
                     actor: String, parameters: String?) async throws -> ModelInfo {
        let registry = try registry(on: device)
        return try await audit.perform(actor: actor, action: "model.load", parameters: "\(id) \(parameters ?? "")") {
            let info = try await registry.load(id, keepAlive: keepAlive, computeType: computeType)
            return (info, "\(id): \(info.bytesHeld) bytes on \(info.device) in \(info.computeType)")
        }
    }

    /// What putting a model to sleep did, the device's clear included.
    public struct SleepReport: Sendable, Encodable {
        public var model: String
        public var device: DeviceID
        /// Bytes of weights that left the device.
        public var weightBytes: Int
        /// Host bytes they take while asleep.
        public var hostBytes: Int
        /// What the clear that followed gave back to the device (the weights, and whatever else
        /// was cached).
        public var releasedBytes: Int
        public var milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case model, device
            case weightBytes = "weight_bytes"
            case hostBytes = "host_bytes"
            case releasedBytes = "released_bytes"
            case milliseconds = "sleep_ms"
        }
    }

    /// Puts `id` to sleep (Note [Sleeping models]): its weights go to host memory and the
    /// device's cache is cleared, so that the memory goes back to the device.
    public func sleep(_ id: String, on device: DeviceID?, actor: String) async throws -> SleepReport {
        let registry = try registry(on: device)
        return try await audit.perform(actor: actor, action: "model.sleep", parameters: id) {
            let slept = try await registry.sleep(id)
            let clear = registry.allocator.emptyCache()
            let report = SleepReport(model: id, device: registry.device, weightBytes: slept.weightBytes, hostBytes: slept.hostBytes,
                                     releasedBytes: clear.releasedBytes, milliseconds: slept.milliseconds)
            return (report, "\(id): \(slept.hostBytes) bytes of weights to host memory in \(Int(slept.milliseconds)) ms; "
                    + "\(clear.releasedBytes) bytes released on \(registry.device)")
        }
    }

    /// Wakes `id` (Note [Sleeping models]); `last_wake_ms` in the answer says how long it took.
    public func wake(_ id: String, on device: DeviceID?, actor: String) async throws -> ModelInfo {
        let registry = try registry(on: device)
        return try await audit.perform(actor: actor, action: "model.wake", parameters: id) {
            let info = try await registry.wake(id)
            return (info, "\(id): \(info.bytesHeld) bytes on \(info.device) in \(Int(info.lastWakeMilliseconds ?? 0)) ms")
        }
    }

    /// Unloads `id`; returns the bytes its weights held (back in the allocator's cache).
    public func unload(_ id: String, on device: DeviceID?, actor: String) async throws -> Int {
        let registry = try registry(on: device)
        return try await audit.perform(actor: actor, action: "model.unload", parameters: id) {
            let released = try registry.unload(id)
            return (released, "\(id): \(released) bytes returned to the cache")
        }
    }
}

extension DeviceID {
    /// A device named in a request; a bad name is refused as `invalid_device`.
    public static func parse(_ name: String) throws(ServiceError) -> DeviceID {
        do throws(DeviceMemoryError) { return try DeviceID(parsing: name) } catch { throw .invalid("device", error.message) }
    }
}

extension ComputeType {
    /// A compute type named in a request; a bad name is refused as `invalid_compute_type`.
    public static func parse(_ name: String) throws(ServiceError) -> ComputeType {
        guard let type = ComputeType(name: name) else {
            throw .invalid("compute_type", "compute_type must be float32, float16 or int8, not '\(name)'")
        }
        return type
    }
}
