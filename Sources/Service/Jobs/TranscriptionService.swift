import DeviceMemory
import Dispatch
import Foundation
import Tensor
import Whisper

/// Runs transcriptions on one device, one at a time, in arrival order.
///
/// Note [Inference off the cooperative pool]: a transcription is seconds of blocking CPU work.
/// It runs on the worker's own serial queue, so it neither starves Swift's cooperative thread
/// pool (which serves HTTP) nor runs two jobs at once on the same device memory.
public final class TranscriptionService: Sendable {
    public let registry: ModelRegistry
    /// Told when each job starts and ends, so automatic cleanups happen between jobs only.
    public let care: MemoryCare?
    public let metrics: JobMetrics
    /// How long a job waits for memory the device could give it but does not have free
    /// (Note [Admission by prediction]) before it fails.
    public let memoryWaitLimit: Duration
    private let queue: DispatchQueue

    public init(registry: ModelRegistry, care: MemoryCare? = nil, metrics: JobMetrics = JobMetrics(),
                memoryWaitLimit: Duration = .seconds(120)) {
        self.registry = registry
        self.care = care
        self.metrics = metrics
        self.memoryWaitLimit = memoryWaitLimit
        self.queue = DispatchQueue(label: "auris.worker.\(registry.device)")
    }

    /// The result of one job.
    public struct Result: Sendable, Codable {
        public var model: String
        public var device: DeviceID
        public var transcript: Transcript
        public var processingMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case model, device, transcript
            case processingMilliseconds = "processing_ms"
        }
    }

    /// Transcribes the audio file at `path` with model `modelID` (the default when nil).
    ///
    /// `shouldStop` is asked before every window and decoding step, and stops the job within
    /// one token (a user's cancel); `onEvent` may throw to stop it at the next event. The
    /// janitor has run for this device by the time this returns, so the next job starts after
    /// any cleanup, never during one.
    ///
    /// Note [Out of memory that is not real]: the allocator already releases its cache and
    /// retries before it reports out of memory. If the memory is still short, it may be held by
    /// models nobody is using, which the memory-pressure policy unloads, or by a moment's peak
    /// of another process on a shared device. Either way the job runs again, once, from the
    /// start: on a device that is really full the second run fails early, at the same
    /// allocation (memory is flat in the audio's length), so trying costs little. An error that
    /// survives it is real, and is reported with the allocator's account of where memory went.
    ///
    /// `onMemory` is told what the run used (JobMemory) when it ends, done or failed, on the
    /// worker's queue; after a second run, it is told again, with the time spent freeing memory
    /// and the out-of-memory errors met. `onWait` is told why the job waits for memory while it
    /// does, and nil when it stops waiting (Note [Admission by prediction]).
    public func transcribe(path: String, named name: String?, modelID: String?, options: DecodingOptions,
                           keepAlive: KeepAlive? = nil, computeType: ComputeType? = nil,
                           onMemory: @escaping @Sendable (JobMemory) -> Void = { _ in },
                           onWait: @escaping @Sendable (String?) -> Void = { _ in },
                           onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void = { _ in },
                           shouldStop: @escaping @Sendable () -> Bool = { false }) async throws -> Result {
        func attempt(_ before: JobMemory) async throws -> Result {
            try await run(path: path, named: name, modelID: modelID, options: options, keepAlive: keepAlive,
                          computeType: computeType, before: before, onMemory: onMemory, onWait: onWait, shouldStop: shouldStop, onEvent: onEvent)
        }
        do {
            return try await attempt(JobMemory())
        } catch let error as DeviceMemoryError where error.code == .outOfMemory {
            let waitStarted = ContinuousClock.now
            _ = await care?.relievePressure(on: registry.device, keeping: modelID ?? registry.defaultModelID, after: error)
            do {
                let result = try await attempt(JobMemory(waitMilliseconds: (ContinuousClock.now - waitStarted).milliseconds, outOfMemoryErrors: 1))
                metrics.recordOutOfMemory(recovered: true)
                return result
            } catch {
                metrics.recordOutOfMemory(recovered: false)
                throw error
            }
        }
    }

    private func run(path: String, named name: String?, modelID: String?, options: DecodingOptions,
                     keepAlive: KeepAlive?, computeType: ComputeType?, before: JobMemory,
                     onMemory: @escaping @Sendable (JobMemory) -> Void, onWait: @escaping @Sendable (String?) -> Void,
                     shouldStop: @escaping @Sendable () -> Bool,
                     onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void) async throws -> Result {
        let (id, engine) = try await registry.acquire(modelID, keepAlive: keepAlive, computeType: computeType)
        let device = registry.device
        var options = options
        if options.language == nil && !engine.isMultilingual { options.language = "en" }
        let finalOptions = options
        var before = before
        if let profile = await registry.ensureMemoryProfile(of: id, engine) {
            before.predictedPeakBytes = engine.predictedPeak(audioSeconds: WhisperEngine.durationSeconds(of: path, named: name),
                                                             options: finalOptions, profile: profile)
            do {
                // What it takes from the device: its peak, in whole segments when little is cached.
                let needed = max(before.predictedPeakBytes!, profile.reservedBytes)
                before.waitMilliseconds += try await admit(needed, modelID: id, onWait: onWait)
            } catch {
                onMemory(before)
                registry.release(id)
                throw error
            }
        }
        let admitted = before
        let job = Handoff(engine)   // Note [Dispatch blocks outlive their work]
        let outcome: Swift.Result<Result, any Error> = await withCheckedContinuation { continuation in
            queue.async { [self] in
                care?.jobStarted(on: device)
                continuation.resume(returning: job.use { engine in
                    perform(engine, modelID: id, path: path, named: name, options: finalOptions, before: admitted,
                            onMemory: onMemory, shouldStop: shouldStop, onEvent: onEvent)
                })
            }
        }
        // The model is released first, so that the janitor sees it idle between jobs.
        registry.release(id)
        await care?.jobFinished(on: device)
        return try outcome.get()
    }

    /// Waits until the device can give the job its predicted peak, making room by unloading idle
    /// models when that is enough (Note [Admission by prediction]); returns the milliseconds
    /// waited. Throws, naming the bytes, when the device could never give it, or when the wait
    /// passes `memoryWaitLimit`.
    private func admit(_ predicted: Int, modelID id: String, onWait: @Sendable (String?) -> Void) async throws -> Double {
        let started = ContinuousClock.now
        var waiting = false
        defer { if waiting { onWait(nil) } }
        while true {
            switch admission(predicted, modelID: id).decision {
            case .run:
                return waiting ? (ContinuousClock.now - started).milliseconds : 0
            case .runAfterUnloading(let models):
                let reason = "a job on '\(id)' needs about \(ByteFigure(predicted)) on \(registry.device)"
                if let care {
                    await care.makeRoom(on: registry.device, unloading: models, reason: reason)
                } else {
                    for model in models { _ = try? registry.unload(model) }
                    _ = registry.allocator.emptyCache()
                }
                return (ContinuousClock.now - started).milliseconds
            case .wait(let reason):
                guard ContinuousClock.now - started < memoryWaitLimit else {
                    throw ServiceError(.outOfMemory, "gave up after \(Int(memoryWaitLimit.milliseconds / 1000)) s \(reason)",
                                       apiCode: "insufficient_memory")
                }
                if !waiting { onWait(reason) }
                waiting = true
                try await Task.sleep(for: .milliseconds(200))
            case .refuse(let reason):
                throw ServiceError(.outOfMemory, reason, apiCode: "insufficient_memory")
            }
        }
    }

    /// What the device can give a job on `id` now (Note [Admission by prediction]).
    func admission(_ predicted: Int, modelID id: String) -> AdmissionInput {
        let allocator = registry.allocator
        let snapshot = allocator.snapshot(), device = allocator.deviceMemory()
        let reserved = snapshot.stats.reservedBytes.all.current
        let allowed = Int(Double(device.totalBytes) * allocator.configuration.memoryFraction)
        let weights = Dictionary(registry.residentWeights().map { ($0.model, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        let idle = registry.idleModels(except: id).map { (id: $0.id, bytes: weights[$0.id] ?? 0) }
        // Only whole free segments count as cache the job can have: free space beside a live
        // block may be in the wrong pool or too small (Note [Admission by prediction]).
        let releasable = ClearPreview(snapshot: snapshot).releasableBytes
        let idleBytes = idle.reduce(0) { $0 + $1.bytes }
        return AdmissionInput(predictedBytes: predicted, freeBytes: min(device.freeBytes, allowed - reserved),
                              cachedBytes: releasable, idleModels: idle,
                              capacityBytes: allowed - (reserved - releasable - idleBytes))
    }

    /// One run of a job on the worker's queue, its memory watched (JobMemory).
    private func perform(_ engine: WhisperEngine, modelID id: String, path: String, named name: String?, options: DecodingOptions,
                         before: JobMemory, onMemory: @Sendable (JobMemory) -> Void,
                         shouldStop: @escaping @Sendable () -> Bool,
                         onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void) -> Swift.Result<Result, any Error> {
        let allocator = registry.allocator
        let started = Date()
        // Started after the model is resident, so the weights are not charged to the job.
        let watch = allocator.startWatch()
        func memory(failedWith error: (any Error)? = nil) -> JobMemory? {
            allocator.endWatch(watch).map { watched in
                let failedForMemory = (error as? DeviceMemoryError)?.code == .outOfMemory
                var used = JobMemory(watched, waitMilliseconds: before.waitMilliseconds,
                                     outOfMemoryErrors: before.outOfMemoryErrors + (failedForMemory ? 1 : 0))
                used.predictedPeakBytes = before.predictedPeakBytes
                return used
            }
        }
        do {
            let transcript = try engine.transcribe(path: path, named: name, options: options, onEvent: { try onEvent($0) }, shouldStop: shouldStop)
            let seconds = Date().timeIntervalSince(started)
            let used = memory()
            if let used { onMemory(used) }
            metrics.record(seconds: seconds, audioSeconds: transcript.duration, succeeded: true, model: id, memory: used)
            return .success(Result(model: id, device: engine.model.backend.device, transcript: transcript,
                                   processingMilliseconds: seconds * 1000))
        } catch {
            let used = memory(failedWith: error)
            if let used { onMemory(used) }
            metrics.record(seconds: Date().timeIntervalSince(started), audioSeconds: nil, succeeded: false, model: id, memory: used)
            return .failure(error)
        }
    }
}
