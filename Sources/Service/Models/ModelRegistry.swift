import DeviceMemory
import Dispatch
import Foundation
import Synchronization
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
///
/// Note [Loads off the lock]: loading a model (mapping, converting and copying its weights)
/// takes a second or more. It runs on the registry's own serial queue, never under the lock and
/// never on Swift's cooperative pool, so reading the list, the metrics, the memory page and the
/// janitor never wait for it. Two requests for the same model and type share one load; every
/// state change is a short critical section.
public final class ModelRegistry: Sendable {
    struct Resident {
        let engine: WhisperEngine
        var activeJobs = 0
        var lastUsed: Date
        /// Set by a request or a load call; nil = the idle-unload policy decides.
        var keepAliveOverride: KeepAlive? = nil
    }

    /// A load in flight, and who waits for it (and gets its failure, if it fails).
    struct Loading {
        let computeType: ComputeType
        var waiters: [CheckedContinuation<(any Error)?, Never>] = []
    }

    /// A model put to sleep: its weights in host memory (Note [Sleeping models]).
    struct Sleeping {
        let engine: SleepingWhisperEngine
        var keepAliveOverride: KeepAlive?
    }

    struct ProfileKey: Hashable {
        let model: String
        let computeType: ComputeType
    }

    struct State {
        var resident: [String: Resident] = [:]
        var loading: [String: Loading] = [:]
        var sleeping: [String: Sleeping] = [:]
        /// How long each model's last wake took, in milliseconds.
        var lastWakeMilliseconds: [String: Double] = [:]
        /// Each model's memory profile per compute type, measured before its first job and kept
        /// across unloads (Note [Predicting a job's peak]).
        var profiles: [ProfileKey: WhisperMemoryProfile] = [:]
        /// What each model can be asked for (languages, translation), read from its files.
        var abilities: [String: WhisperModelAbilities] = [:]
        /// The idle-unload policy's keep-alive, shown for models without an override.
        var defaultKeepAlive: KeepAlive
    }

    public let device: DeviceID
    public let defaultModelID: String
    /// The compute type models load in when nobody asks for one.
    public let defaultComputeType: ComputeType
    let backend: any ComputeBackend
    let directories: [String: URL]
    let state: Mutex<State>
    let loader: DispatchQueue
    let now: @Sendable () -> Date

    /// - Parameter defaultComputeType: nil = the device's default (float16 on the CPU).
    public init(models: [String: URL], defaultModelID: String, backend: any ComputeBackend, defaultComputeType: ComputeType? = nil,
                defaultKeepAlive: KeepAlive = .seconds(300), now: @escaping @Sendable () -> Date = Date.init) {
        self.directories = models
        self.defaultModelID = defaultModelID
        self.defaultComputeType = defaultComputeType ?? .defaultType(for: backend)
        self.backend = backend
        self.device = backend.device
        self.state = Mutex(State(defaultKeepAlive: defaultKeepAlive))
        self.loader = DispatchQueue(label: "auris.models.\(backend.device)")
        self.now = now
    }

    /// Every model this registry can load, by name.
    public var modelIDs: [String] { directories.keys.sorted() }

    /// Device memory allocated now on this registry's device (weights and running work).
    public var allocatedBytes: Int { backend.allocator.usage().allocatedBytes }

    /// The caching allocator of this registry's device.
    public var allocator: CachingAllocator { backend.allocator }

    /// Bytes the backend keeps allocated for itself (cuBLAS's workspace on a GPU).
    public var workspaceBytes: Int { backend.workspaceBytes }

    /// The weights on the device, per resident model.
    public func residentWeights() -> [(model: String, bytes: Int)] {
        state.withLock { state in state.resident.keys.sorted().map { ($0, state.resident[$0]!.engine.model.weightBytes) } }
    }

    /// Whether `id` (the default when nil) is loaded.
    public func isResident(_ id: String?) -> Bool {
        state.withLock { $0.resident[id ?? defaultModelID] != nil }
    }

    public func list() -> [ModelInfo] {
        state.withLock { state in directories.keys.sorted().map { info($0, state) } }
    }

    /// The engine of `id` (the default when nil), loading it if needed, marked in use until
    /// `release(_:)`. `keepAlive` overrides the default for this model from now on;
    /// `computeType`, when given, is the type the job needs.
    public func acquire(_ id: String?, keepAlive: KeepAlive? = nil,
                        computeType: ComputeType? = nil) async throws -> (id: String, engine: WhisperEngine) {
        let id = id ?? defaultModelID
        while true {
            try await ensureLoaded(id, computeType: computeType)
            // Taken in the same critical section that checks it, so no unload slips between.
            let engine = state.withLock { state -> WhisperEngine? in
                guard var model = state.resident[id], computeType == nil || model.engine.model.computeType == computeType else { return nil }
                model.activeJobs += 1
                model.lastUsed = now()
                if let keepAlive { model.keepAliveOverride = keepAlive }
                state.resident[id] = model
                return model.engine
            }
            if let engine { return (id, engine) }
        }
    }

    public func release(_ id: String) {
        state.withLock { state in
            guard state.resident[id] != nil else { return }
            state.resident[id]!.activeJobs -= 1
            state.resident[id]!.lastUsed = now()
        }
    }

    /// Loads `id` (a no-op when resident in the type asked for) and returns its state.
    public func load(_ id: String, keepAlive: KeepAlive? = nil, computeType: ComputeType? = nil) async throws -> ModelInfo {
        try await ensureLoaded(id, computeType: computeType)
        return state.withLock { state in
            if let keepAlive, state.resident[id] != nil { state.resident[id]!.keepAliveOverride = keepAlive }
            return info(id, state)
        }
    }

    /// Unloads `id`; returns the bytes its weights held. Refused while a job uses it.
    @discardableResult
    public func unload(_ id: String) throws(ServiceError) -> Int {
        guard directories[id] != nil else { throw unknown(id) }
        return try state.withLock { state throws(ServiceError) -> Int in
            // A sleeping model holds host memory only; unloading drops it.
            state.sleeping[id] = nil
            guard let model = state.resident[id] else { return 0 }
            guard model.activeJobs == 0 else {
                throw ServiceError(.modelBusy, "model \(id) is transcribing (\(model.activeJobs) job(s)); unload it when they finish")
            }
            state.resident[id] = nil
            return model.engine.model.weightBytes
        }
    }

    /// Unloads every model no job is using; returns their ids.
    public func unloadAll() -> [String] {
        state.withLock { state in
            let idle = state.resident.filter { $0.value.activeJobs == 0 }.map(\.key).sorted()
            for id in idle { state.resident[id] = nil }
            let sleeping = state.sleeping.keys.sorted()
            state.sleeping = [:]
            return idle + sleeping
        }
    }

    /// Loaded models no job is using, least recently used first, leaving out `kept`.
    public func idleModels(except kept: String?) -> [(id: String, lastUsed: Date)] {
        state.withLock { state in
            state.resident.filter { $0.key != kept && $0.value.activeJobs == 0 }
                .map { (id: $0.key, lastUsed: $0.value.lastUsed) }
                .sorted { ($0.lastUsed, $0.id) < ($1.lastUsed, $1.id) }
        }
    }

    /// The loaded models as the memory janitor sees them.
    public func residentModels() -> [ResidentModel] {
        state.withLock { state in
            state.resident.keys.sorted().map { id in
                let model = state.resident[id]!
                // An explicit "keep until unloaded" is an infinite keep-alive to the janitor.
                let keepAlive = model.keepAliveOverride.map { $0.seconds ?? .infinity }
                return ResidentModel(id: id, device: device, lastUsed: model.lastUsed, keepAliveSeconds: keepAlive,
                                     isInUse: model.activeJobs > 0)
            }
        }
    }

    /// Follows the idle-unload policy (shown as the keep-alive of models without an override).
    public func setDefaultKeepAlive(_ keepAlive: KeepAlive) {
        state.withLock { $0.defaultKeepAlive = keepAlive }
    }

    private enum Step {
        case ready
        case wait
        /// Load in this type; from a sleeping model's image when one is given.
        case load(ComputeType, Sleeping?)
    }

    /// Makes `id` resident in `computeType` (when given; else as it is, or the default),
    /// joining a load of the same model and type already under way (Note [Loads off the lock]).
    private func ensureLoaded(_ id: String, computeType wanted: ComputeType?) async throws {
        guard let directory = directories[id] else { throw unknown(id) }
        while true {
            let step = try state.withLock { state throws(ServiceError) -> Step in
                if let model = state.resident[id] {
                    let current = model.engine.model.computeType
                    guard let wanted, wanted != current else { return .ready }
                    guard model.activeJobs == 0 else {
                        throw ServiceError(.modelBusy,
                            "model \(id) is loaded in \(current) and transcribing (\(model.activeJobs) job(s)); ask for \(current), or for \(wanted) when they finish")
                    }
                    state.resident[id] = nil
                }
                if let loading = state.loading[id] {
                    guard wanted == nil || wanted == loading.computeType else {
                        throw ServiceError(.modelBusy, "model \(id) is being loaded in \(loading.computeType); ask for \(wanted!) when it is loaded")
                    }
                    return .wait
                }
                // A sleeping model wakes in the type it slept in; asked for another, it is loaded
                // from its file in that type, and the image is dropped.
                let asleep = state.sleeping.removeValue(forKey: id)
                let type = wanted ?? asleep?.engine.image.computeType ?? defaultComputeType
                state.loading[id] = Loading(computeType: type)
                return .load(type, asleep?.engine.image.computeType == type ? asleep : nil)
            }
            switch step {
            case .ready:
                return
            case .wait:
                // Woken when the load ends: its failure is ours; after a success, look again.
                let failure = await withCheckedContinuation { continuation in
                    let pending = state.withLock { state -> Bool in
                        guard state.loading[id] != nil else { return false }
                        state.loading[id]!.waiters.append(continuation)
                        return true
                    }
                    if !pending { continuation.resume(returning: nil) }
                }
                if let failure { throw failure }
            case .load(let type, let asleep):
                let result = if let asleep { await wake(id, asleep) } else { await load(id, from: directory, in: type) }
                let waiters = state.withLock { state -> [CheckedContinuation<(any Error)?, Never>] in
                    switch result {
                    case .success(let engine):
                        state.resident[id] = Resident(engine: engine, lastUsed: now(), keepAliveOverride: asleep?.keepAliveOverride)
                    case .failure:
                        // A wake that failed (out of memory, most likely) leaves the model asleep.
                        if let asleep { state.sleeping[id] = asleep }
                    }
                    return state.loading.removeValue(forKey: id)?.waiters ?? []
                }
                let failure: (any Error)? = if case .failure(let error) = result { error } else { nil }
                for waiter in waiters { waiter.resume(returning: failure) }
                _ = try result.get()
                return
            }
        }
    }

    /// Builds the engine on the loader queue.
    private func load(_ id: String, from directory: URL, in computeType: ComputeType) async -> Result<WhisperEngine, any Error> {
        guard backend.computeTypes.contains(computeType) else {
            return .failure(ServiceError.invalid("compute_type",
                "\(device) computes in \(backend.computeTypes.map(\.rawValue).joined(separator: ", ")), not \(computeType)"))
        }
        let backend = self.backend
        return await withCheckedContinuation { continuation in
            loader.async { [self] in
                do {
                    continuation.resume(returning: .success(try WhisperEngine(directory: directory, backend: backend, computeType: computeType)))
                } catch let error as DeviceMemoryError {
                    // Out of memory stays itself: the caller may make room and try again.
                    continuation.resume(returning: .failure(error))
                } catch {
                    // A missing or damaged file is the model's fault, not the engine's: say which.
                    let mapped = ServiceError(mapping: error)
                    continuation.resume(returning: .failure(ServiceError(mapped.code == .engineFailure ? .modelUnreadable : mapped.code,
                        "model \(id) could not be loaded from \(directory.path): \(mapped.message)")))
                }
            }
        }
    }

    /// The memory profile of `id` as `engine` runs it, measured on the loader queue the first
    /// time a job needs it (Note [Predicting a job's peak]): before the first job on a model in a
    /// compute type, not at its load, so that loading stays a load (and a process that only loads
    /// and unloads pays for no inference). A probe that fails (out of memory) leaves the model
    /// without one: its jobs are then admitted without a prediction.
    public func ensureMemoryProfile(of id: String, _ engine: WhisperEngine) async -> WhisperMemoryProfile? {
        let key = ProfileKey(model: id, computeType: engine.model.computeType)
        if let known = state.withLock({ $0.profiles[key] }) { return known }
        let probing = Handoff(engine)   // Note [Dispatch blocks outlive their work]
        guard case .success(let profile) = await onLoader({ try probing.use { try $0.model.measureMemoryProfile() } }) else { return nil }
        state.withLock { $0.profiles[key] = profile }
        return profile
    }

    func info(_ id: String, _ state: State) -> ModelInfo {
        let model = state.resident[id], asleep = state.sleeping[id]
        let keepAlive = (model?.keepAliveOverride ?? asleep?.keepAliveOverride ?? state.defaultKeepAlive).seconds
        return ModelInfo(
            id: id, path: directories[id]?.path ?? "", device: device, loaded: model != nil,
            computeType: model?.engine.model.computeType ?? asleep?.engine.image.computeType ?? defaultComputeType,
            bytesHeld: model?.engine.model.weightBytes ?? 0, multilingual: model?.engine.isMultilingual ?? asleep?.engine.isMultilingual,
            activeJobs: model?.activeJobs ?? 0, lastUsed: model?.lastUsed, keepAliveSeconds: keepAlive,
            expiresAt: model.flatMap { m in keepAlive.map { m.lastUsed.addingTimeInterval($0) } },
            sleeping: asleep != nil, hostBytes: asleep?.engine.hostBytes ?? 0,
            lastWakeMilliseconds: state.lastWakeMilliseconds[id],
            memoryProfile: (model?.engine.model.computeType).flatMap { state.profiles[ProfileKey(model: id, computeType: $0)] })
    }

    /// Where the voice activity detector for model `id` (nil: the default) is looked for.
    func voiceActivityModelPath(for id: String?) -> String {
        let directory = directories[id ?? defaultModelID] ?? directories.values.first ?? URL(fileURLWithPath: "models/none")
        return WhisperEngine.voiceActivityModelPath(besideModel: directory)
    }

    func unknown(_ id: String) -> ServiceError {
        ServiceError(.unknownModel, "unknown model '\(id)'; available: \(directories.keys.sorted().joined(separator: ", "))")
    }
}
