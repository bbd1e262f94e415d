import DeviceMemory
import Foundation

/// The idle-unload policy: unload a model that has not been used for its keep-alive.
extension MemoryJanitor {
    /// Unloads for the models on `device` whose idle time reached their keep-alive, in model
    /// order. A model in use is never unloaded, whatever its idle time says.
    func idleUnloads(on device: DeviceID, among models: [ResidentModel], now: Date) -> [JanitorAction] {
        models.filter { $0.device == device }.sorted { $0.id < $1.id }.compactMap { model in
            guard !model.isInUse, let keepAlive = keepAlive(for: model) else { return nil }
            let idle = now.timeIntervalSince(model.lastUsed)
            guard idle >= keepAlive else { return nil }
            let source = model.keepAliveSeconds == nil ? "idle_unload_seconds" : "the keep_alive of its last request"
            return .unloadModel(id: model.id, device: device, policy: .idleUnload, reason:
                "model '\(model.id)' on \(device) unused for \(JanitorText.duration(idle)), keep-alive \(JanitorText.duration(keepAlive)) (\(source))")
        }
    }

    /// The reason for the cache release that follows unloads: without it the unloaded weights
    /// would stay in the device's cache and other processes would gain nothing.
    func unloadReleaseReason(after unloads: [JanitorAction]) -> String? {
        let names = unloads.compactMap { action -> String? in
            if case .unloadModel(let id, _, _, _) = action { return "'\(id)'" } else { return nil }
        }
        guard !names.isEmpty else { return nil }
        return "returning the memory of unloaded model\(names.count == 1 ? "" : "s") \(names.joined(separator: ", ")) to the device"
    }

    /// Seconds a model stays resident after its last use; nil keeps it resident. A request's
    /// override wins over the policy; a negative or infinite override means "keep forever".
    private func keepAlive(for model: ResidentModel) -> Double? {
        if let override = model.keepAliveSeconds, !override.isNaN {
            return override < 0 || override.isInfinite ? nil : override
        }
        return policies.idleUnloadSeconds
    }
}
