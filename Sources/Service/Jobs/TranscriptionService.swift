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
    private let queue: DispatchQueue

    public init(registry: ModelRegistry, care: MemoryCare? = nil, metrics: JobMetrics = JobMetrics()) {
        self.registry = registry
        self.care = care
        self.metrics = metrics
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
    /// `onEvent` may throw to stop the job at the next event (a graceful shutdown does). The
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
    /// and the out-of-memory errors met.
    public func transcribe(path: String, named name: String?, modelID: String?, options: DecodingOptions,
                           keepAlive: KeepAlive? = nil, computeType: ComputeType? = nil,
                           onMemory: @escaping @Sendable (JobMemory) -> Void = { _ in },
                           onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void = { _ in }) async throws -> Result {
        func attempt(_ before: JobMemory) async throws -> Result {
            try await run(path: path, named: name, modelID: modelID, options: options, keepAlive: keepAlive,
                          computeType: computeType, before: before, onMemory: onMemory, onEvent: onEvent)
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
                     onMemory: @escaping @Sendable (JobMemory) -> Void,
                     onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void) async throws -> Result {
        let (id, engine) = try await registry.acquire(modelID, keepAlive: keepAlive, computeType: computeType)
        let device = registry.device
        var options = options
        if options.language == nil && !engine.isMultilingual { options.language = "en" }
        let finalOptions = options
        let job = Handoff(engine)   // Note [Dispatch blocks outlive their work]
        let outcome: Swift.Result<Result, any Error> = await withCheckedContinuation { continuation in
            queue.async { [self] in
                care?.jobStarted(on: device)
                continuation.resume(returning: job.use { engine in
                    perform(engine, modelID: id, path: path, named: name, options: finalOptions, before: before,
                            onMemory: onMemory, onEvent: onEvent)
                })
            }
        }
        // The model is released first, so that the janitor sees it idle between jobs.
        registry.release(id)
        await care?.jobFinished(on: device)
        return try outcome.get()
    }

    /// One run of a job on the worker's queue, its memory watched (JobMemory).
    private func perform(_ engine: WhisperEngine, modelID id: String, path: String, named name: String?, options: DecodingOptions,
                         before: JobMemory, onMemory: @Sendable (JobMemory) -> Void,
                         onEvent: @escaping @Sendable (TranscriptionEvent) throws -> Void) -> Swift.Result<Result, any Error> {
        let allocator = registry.allocator
        let started = Date()
        // Started after the model is resident, so the weights are not charged to the job.
        let watch = allocator.startWatch()
        func memory(failedWith error: (any Error)? = nil) -> JobMemory? {
            allocator.endWatch(watch).map { watched in
                let failedForMemory = (error as? DeviceMemoryError)?.code == .outOfMemory
                return JobMemory(watched, waitMilliseconds: before.waitMilliseconds,
                                 outOfMemoryErrors: before.outOfMemoryErrors + (failedForMemory ? 1 : 0))
            }
        }
        do {
            let transcript = try engine.transcribe(path: path, named: name, options: options) { try onEvent($0) }
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
