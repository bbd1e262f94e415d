import Foundation
import Synchronization
import Whisper

/// Opens and closes live streams (`GET /api/stream`).
///
/// Note [A stream is a job]: a stream is recorded as a job from its start (a running row, shown
/// by `/api/jobs/{id}` and the events), finished with the transcript of its finals (so history
/// and search find it) and audited. For its whole life it holds its model (`acquire`: not
/// unloaded, idle or not) and its device's running-job mark (`MemoryCare.jobStarted`), so the
/// policies neither clear the cache nor unload anything on that device mid-utterance; they run
/// when the stream ends, as after any job (once per stream, not per utterance). Its memory is
/// watched like a job's. It runs beside queued jobs on the same device, on its own queue: the
/// scheduler does not wait for it, and admission does not reserve memory for it (a stream's work
/// is one 30-second window at a time, which a model's memory profile already covers).
public final class LiveStreamService: Sendable {
    let store: any JobStore
    let models: ModelsService
    let care: MemoryCare
    let audit: AuditLog
    let hub: EventHub
    let now: @Sendable () -> Date
    /// Streams open at once, at most.
    public let limit: Int
    private let open = Mutex(0)
    /// The open streams by job id, for cancelling one.
    private let streams = Mutex<[String: LiveStream]>([:])

    init(store: any JobStore, models: ModelsService, care: MemoryCare, audit: AuditLog, hub: EventHub, limit: Int,
         now: @escaping @Sendable () -> Date) {
        self.store = store
        self.models = models
        self.care = care
        self.audit = audit
        self.hub = hub
        self.limit = limit
        self.now = now
        // A DELETE of this stream's job sent to another worker sharing the store.
        store.watchQueue { [weak self] change in
            guard case .cancelRequested(let id) = change, let stream = self?.streams.withLock({ $0[id] }) else { return }
            Task { await stream.cancel() }
        }
    }

    /// Streams open now.
    public var openStreams: Int { open.withLock { $0 } }

    /// Starts a stream: checks the request, takes the model (loading it if needed) and records
    /// the running job. `actor` (the peer) goes into the audit log.
    public func start(_ request: LiveStreamRequest, actor: String) async throws(ServiceError) -> LiveStream {
        let registry = try models.registry(on: request.device)
        let detector = registry.voiceActivityModelPath(for: request.model)
        guard FileManager.default.fileExists(atPath: detector) else {
            throw .invalid("stream", "live recognition needs the voice activity detector: \(detector) is missing (scripts/install-model.sh installs it)")
        }
        let admitted = open.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw ServiceError(.deviceUnavailable, "\(limit) live streams are open, the most this server takes; try again when one ends")
        }
        do {
            return try await start(request, on: registry, actor: actor)
        } catch {
            open.withLock { $0 -= 1 }
            throw error
        }
    }

    private func start(_ request: LiveStreamRequest, on registry: ModelRegistry, actor: String) async throws(ServiceError) -> LiveStream {
        let acquired: (id: String, engine: WhisperEngine)
        do {
            acquired = try await registry.acquire(request.model, keepAlive: request.keepAlive)
        } catch {
            throw ServiceError(mapping: error)
        }
        care.jobStarted(on: registry.device)
        let watch = registry.allocator.startWatch()
        var record = JobRecord(fileName: "live stream", audioPath: nil, parameters: request.jobParameters, createdAt: now())
        record.state = .running
        record.attempts = 1
        record.startedAt = record.createdAt
        record.model = acquired.id
        record.device = registry.device.description
        do {
            let settings = request.settings(multilingual: acquired.engine.isMultilingual)
            let recognizer = try LiveRecognizer(engine: acquired.engine, settings: settings)
            let stream = try LiveStream(jobID: record.id, model: acquired.id, request: request, recognizer: recognizer,
                                        language: settings.decoding.language ?? "en", owner: self, registry: registry, watch: watch)
            try await store.enqueue([record])
            streams.withLock { $0[record.id] = stream }
            hub.publish("job", EventPayloads.Job(.started(record)))
            await audit.server("stream.started", detail: "live stream \(record.id) from \(actor): \(acquired.id) on \(registry.device), \(request.sampleRate) Hz \(request.encoding.rawValue)")
            return stream
        } catch {
            _ = registry.allocator.endWatch(watch)
            registry.release(acquired.id)
            await care.jobFinished(on: registry.device)
            throw ServiceError(mapping: error)
        }
    }

    /// Cancels the open stream whose job is `id` (`DELETE /api/jobs/{id}`): its client gets a
    /// `job_cancelled` error and the socket closes; the job ends cancelled, as it stands after
    /// the decode under way. Nil when no such stream is open.
    public func cancel(_ id: String) async throws -> JobQueue.CancelOutcome? {
        guard let stream = streams.withLock({ $0[id] }) else { return nil }
        await stream.cancel()
        // The stream may have ended by itself just before: then it is finished, not cancelled.
        guard let job = try await store.job(id) else { return .unknown }
        return job.state == .cancelled ? .cancelled(job) : .finished(job)
    }

    /// Called once by `LiveStream.close`: records the job's end and lets the model and device go.
    func close(_ stream: LiveStream, transcript: Transcript, decodedSeconds: Double, failure: ServiceError?,
               memory: JobMemory?, seconds: Double) async {
        let time = now()
        streams.withLock { $0[stream.jobID] = nil }
        do {
            if failure?.code == .cancelled, stream.isCancelled {
                _ = try await store.cancel(stream.jobID, from: .running, at: time)
            } else if let failure {
                try await store.fail(stream.jobID, because: failure, at: time)
            } else {
                try await store.finish(stream.jobID, transcript: transcript, model: stream.model, device: stream.device.description,
                                       processingMilliseconds: decodedSeconds * 1000, at: time)
            }
            if let memory { try store.recordMemory(stream.jobID, memory) }
            if let record = try await store.job(stream.jobID) { hub.publish("job", EventPayloads.Job(.finished(record))) }
        } catch {
            await audit.server("stream.record_failed", result: .failed, detail: "live stream \(stream.jobID): \(error)")
        }
        stream.registry.release(stream.model)
        await care.jobFinished(on: stream.device)
        open.withLock { $0 -= 1 }
        let outcome = stream.isCancelled ? "cancelled after \(transcript.segments.count) final segments"
            : failure.map { "failed: \($0.message)" }
            ?? "\(transcript.segments.count) final segments, \(String(format: "%.1f", transcript.duration)) s of audio in \(String(format: "%.1f", seconds)) s"
        await audit.server("stream.ended", result: failure == nil ? .ok : .failed, detail: "live stream \(stream.jobID): \(outcome)")
    }
}
