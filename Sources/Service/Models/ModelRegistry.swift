import DeviceMemory
import Foundation
import Tensor
import Whisper

/// Which models are resident on one device: loaded on first use or on request, kept for a
/// keep-alive after their last use (like Ollama's `keep_alive`), unloaded on request or when idle.
///
/// Unloading drops the engine, so its tensors return to the allocator's cache; the memory goes
/// back to the device when the cache is cleared (`unload_and_clear` does both).
///
/// A model is resident in one compute type at a time: the registry's default, or what a load or
/// a job asks for. Asking for another type reloads the model when no job is using it, and is
/// refused (`modelBusy`) while one is.
public actor ModelRegistry {
    struct Resident {
        let engine: WhisperEngine
        var activeJobs = 0
        var lastUsed: Date
        /// Set by a request or a load call; nil = the idle-unload policy decides.
        var keepAliveOverride: KeepAlive? = nil
    }

    public nonisolated let device: DeviceID
    public nonisolated let defaultModelID: String
    /// The compute type models load in when nobody asks for one.
    public nonisolated let defaultComputeType: ComputeType
    /// The idle-unload policy's keep-alive, shown for models without an override.
    private var defaultKeepAlive: KeepAlive
    private let backend: any ComputeBackend
    private let directories: [String: URL]
    private var resident: [String: Resident] = [:]
    private let now: @Sendable () -> Date

    /// - Parameter defaultComputeType: nil = the device's default (float16 on the CPU).
    public init(models: [String: URL], defaultModelID: String, backend: any ComputeBackend, defaultComputeType: ComputeType? = nil,
                defaultKeepAlive: KeepAlive = .seconds(300), now: @escaping @Sendable () -> Date = Date.init) {
        self.directories = models
        self.defaultModelID = defaultModelID
        self.defaultComputeType = defaultComputeType ?? .defaultType(for: backend)
        self.backend = backend
        self.device = backend.device
        self.defaultKeepAlive = defaultKeepAlive
        self.now = now
    }

    public func list() -> [ModelInfo] {
        directories.keys.sorted().map(info)
    }

    /// The engine of `id` (the default when nil), loading it if needed, marked in use until
    /// `release(_:)`. `keepAlive` overrides the default for this model from now on;
    /// `computeType`, when given, is the type the job needs.
    public func acquire(_ id: String?, keepAlive: KeepAlive? = nil,
                        computeType: ComputeType? = nil) throws -> (id: String, engine: WhisperEngine) {
        let id = id ?? defaultModelID
        try ensureLoaded(id, computeType: computeType)
        resident[id]!.activeJobs += 1
        resident[id]!.lastUsed = now()
        if let keepAlive { resident[id]!.keepAliveOverride = keepAlive }
        return (id, resident[id]!.engine)
    }

    public func release(_ id: String) {
        guard resident[id] != nil else { return }
        resident[id]!.activeJobs -= 1
        resident[id]!.lastUsed = now()
    }

    /// Loads `id` (a no-op when resident in the type asked for) and returns its state.
    public func load(_ id: String, keepAlive: KeepAlive? = nil, computeType: ComputeType? = nil) throws -> ModelInfo {
        try ensureLoaded(id, computeType: computeType)
        if let keepAlive { resident[id]!.keepAliveOverride = keepAlive }
        return info(id)
    }

    /// Unloads `id`; returns the bytes its weights held. Refused while a job uses it.
    @discardableResult
    public func unload(_ id: String) throws -> Int {
        guard directories[id] != nil else { throw unknown(id) }
        guard let model = resident[id] else { return 0 }
        guard model.activeJobs == 0 else {
            throw ServiceError(.modelBusy, "model \(id) is transcribing (\(model.activeJobs) job(s)); unload it when they finish")
        }
        resident[id] = nil
        return model.engine.model.weightBytes
    }

    /// Unloads every model no job is using; returns their ids.
    public func unloadAll() -> [String] {
        let idle = resident.filter { $0.value.activeJobs == 0 }.map(\.key).sorted()
        for id in idle { resident[id] = nil }
        return idle
    }

    /// Loaded models no job is using, least recently used first, leaving out `kept`.
    public func idleModels(except kept: String?) -> [(id: String, lastUsed: Date)] {
        resident.filter { $0.key != kept && $0.value.activeJobs == 0 }
            .map { (id: $0.key, lastUsed: $0.value.lastUsed) }
            .sorted { ($0.lastUsed, $0.id) < ($1.lastUsed, $1.id) }
    }

    /// The loaded models as the memory janitor sees them.
    public func residentModels() -> [ResidentModel] {
        resident.keys.sorted().map { id in
            let model = resident[id]!
            // An explicit "keep until unloaded" is an infinite keep-alive to the janitor.
            let keepAlive = model.keepAliveOverride.map { $0.seconds ?? .infinity }
            return ResidentModel(id: id, device: device, lastUsed: model.lastUsed, keepAliveSeconds: keepAlive,
                                 isInUse: model.activeJobs > 0)
        }
    }

    /// Follows the idle-unload policy (shown as the keep-alive of models without an override).
    public func setDefaultKeepAlive(_ keepAlive: KeepAlive) {
        defaultKeepAlive = keepAlive
    }

    /// Makes `id` resident in `computeType` (when given; else as it is, or the default).
    private func ensureLoaded(_ id: String, computeType: ComputeType?) throws {
        if let model = resident[id] {
            let current = model.engine.model.computeType
            guard let wanted = computeType, wanted != current else { return }
            guard model.activeJobs == 0 else {
                throw ServiceError(.modelBusy,
                    "model \(id) is loaded in \(current) and transcribing (\(model.activeJobs) job(s)); ask for \(current), or for \(wanted) when they finish")
            }
            resident[id] = nil
        }
        try loadEngine(id, computeType: computeType ?? defaultComputeType)
    }

    private func loadEngine(_ id: String, computeType: ComputeType) throws {
        guard let directory = directories[id] else { throw unknown(id) }
        guard backend.computeTypes.contains(computeType) else {
            throw ServiceError.invalid("compute_type",
                "\(device) computes in \(backend.computeTypes.map(\.rawValue).joined(separator: ", ")), not \(computeType)")
        }
        let engine: WhisperEngine
        do {
            engine = try WhisperEngine(directory: directory, backend: backend, computeType: computeType)
        } catch let error as DeviceMemoryError {
            // Out of memory stays itself: the caller may make room and try again.
            throw error
        } catch {
            // A missing or damaged file is the model's fault, not the engine's: say which.
            let mapped = ServiceError(mapping: error)
            throw ServiceError(mapped.code == .engineFailure ? .modelUnreadable : mapped.code,
                               "model \(id) could not be loaded from \(directory.path): \(mapped.message)")
        }
        resident[id] = Resident(engine: engine, lastUsed: now())
    }

    private func info(_ id: String) -> ModelInfo {
        let model = resident[id]
        let keepAlive = (model?.keepAliveOverride ?? defaultKeepAlive).seconds
        return ModelInfo(
            id: id, path: directories[id]?.path ?? "", device: device, loaded: model != nil,
            computeType: model?.engine.model.computeType ?? defaultComputeType,
            bytesHeld: model?.engine.model.weightBytes ?? 0, multilingual: model?.engine.isMultilingual,
            activeJobs: model?.activeJobs ?? 0, lastUsed: model?.lastUsed, keepAliveSeconds: keepAlive,
            expiresAt: model.flatMap { m in keepAlive.map { m.lastUsed.addingTimeInterval($0) } })
    }

    private func unknown(_ id: String) -> ServiceError {
        ServiceError(.unknownModel, "unknown model '\(id)'; available: \(directories.keys.sorted().joined(separator: ", "))")
    }
}
