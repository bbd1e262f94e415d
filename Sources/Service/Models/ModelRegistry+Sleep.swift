import Foundation
import Whisper

/// Putting models to sleep and waking them (Note [Sleeping models] in Whisper): the weights wait
/// in host memory while the device memory goes back; a request for a sleeping model wakes it.
extension ModelRegistry {
    /// What putting a model to sleep did.
    public struct SleepResult: Sendable {
        /// Bytes of weights that left the device (back in the allocator's cache until a clear).
        public var weightBytes: Int
        /// Host bytes the weights take while asleep.
        public var hostBytes: Int
        public var milliseconds: Double
    }

    /// Copies `id`'s weights to host memory and drops them from the device. Refused while a
    /// job uses the model, and for a model that is not loaded; a no-op for one asleep already.
    public func sleep(_ id: String) async throws -> SleepResult {
        guard directories[id] != nil else { throw unknown(id) }
        // Held like a job while its weights are copied, so that nothing unloads or reloads it.
        let held = try state.withLock { state throws(ServiceError) -> WhisperEngine? in
            if state.sleeping[id] != nil { return nil }
            guard var model = state.resident[id] else {
                throw ServiceError(.modelNotLoaded, "model \(id) is not loaded on \(device); there is nothing to put to sleep")
            }
            guard model.activeJobs == 0 else {
                throw ServiceError(.modelBusy, "model \(id) is transcribing (\(model.activeJobs) job(s)); put it to sleep when they finish")
            }
            model.activeJobs += 1
            state.resident[id] = model
            return model.engine
        }
        guard let held else {
            return state.withLock { state in SleepResult(weightBytes: 0, hostBytes: state.sleeping[id]?.engine.hostBytes ?? 0, milliseconds: 0) }
        }
        let started = ContinuousClock.now
        let weightBytes = held.model.weightBytes
        let copying = Handoff(held)   // Note [Dispatch blocks outlive their work]
        let copied: Result<SleepingWhisperEngine, any Error> = await onLoader { try copying.use { try $0.sleep() } }
        let milliseconds = (ContinuousClock.now - started).milliseconds
        return try state.withLock { state throws -> SleepResult in
            state.resident[id]!.activeJobs -= 1
            let asleep = try copied.get()
            guard state.resident[id]!.activeJobs == 0 else {
                throw ServiceError(.modelBusy, "model \(id) was asked for by a job while it was being put to sleep; it stays loaded")
            }
            let keepAlive = state.resident.removeValue(forKey: id)?.keepAliveOverride
            state.sleeping[id] = Sleeping(engine: asleep, keepAliveOverride: keepAlive)
            return SleepResult(weightBytes: weightBytes, hostBytes: asleep.hostBytes, milliseconds: milliseconds)
        }
    }

    /// Wakes `id` if it is asleep (loads it if it is neither asleep nor loaded), and returns its
    /// state; `last_wake_ms` says how long the wake took.
    public func wake(_ id: String) async throws -> ModelInfo {
        try await load(id)
    }

    /// Puts a sleeping model's weights back on the device, on the loader queue.
    func wake(_ id: String, _ asleep: Sleeping) async -> Result<WhisperEngine, any Error> {
        let started = ContinuousClock.now
        let backend = self.backend
        let result: Result<WhisperEngine, any Error> = await onLoader { try asleep.engine.wake(on: backend) }
        if case .success = result {
            let milliseconds = (ContinuousClock.now - started).milliseconds
            state.withLock { $0.lastWakeMilliseconds[id] = milliseconds }
        }
        return result
    }

    /// Runs `work` on the registry's loader queue (Note [Loads off the lock]).
    func onLoader<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async -> Result<Value, any Error> {
        await withCheckedContinuation { continuation in
            loader.async { continuation.resume(returning: Result { try work() }) }
        }
    }
}
