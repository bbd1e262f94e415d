import Audio
import DeviceMemory
import Foundation
import Synchronization
import Whisper

/// What a live stream tells its client.
public enum LiveEvent: Sendable, Equatable {
    /// A hypothesis for the speech since the last final; `stableText` is the leading words the
    /// last two hypotheses agree on.
    case partial(start: Double, end: Double, text: String, stableText: String)
    /// A segment that never changes, its times in seconds from the start of the stream.
    case final(TranscriptSegment)
}

/// One live recognition, open from its start message to its end: a job (a running row in the
/// store, finished with the transcript of its finals), holding its model and its device's
/// "job running" mark for its whole life, so that no policy clears the cache or unloads the
/// model mid-utterance (Note [A stream is a job]).
///
/// Audio is decoded on the stream's own queue, off the cooperative pool; calls must not overlap
/// (the server's handler makes one at a time).
public final class LiveStream: @unchecked Sendable {
    // @unchecked: the mutable state below is touched only on `queue`.
    public let jobID: String
    public let model: String
    public let device: DeviceID
    public let request: LiveStreamRequest
    private let queue: DispatchQueue
    private var recognizer: LiveRecognizer?
    private let resampler: PushResampler?
    private var leftover: [UInt8] = []
    private var finals: [TranscriptSegment] = []
    private let language: String
    private let started = Date()
    private let owner: LiveStreamService
    let registry: ModelRegistry
    private let watch: MemoryWatch
    private var closed = false
    /// Whether someone cancelled the stream's job, and what to tell its server (any thread).
    private let cancellation = Mutex<(requested: Bool, handler: (@Sendable () -> Void)?)>((false, nil))

    init(jobID: String, model: String, request: LiveStreamRequest, recognizer: LiveRecognizer, language: String,
         owner: LiveStreamService, registry: ModelRegistry, watch: MemoryWatch) throws(ServiceError) {
        self.jobID = jobID
        self.model = model
        self.device = registry.device
        self.request = request
        self.recognizer = recognizer
        self.language = language
        self.owner = owner
        self.registry = registry
        self.watch = watch
        queue = DispatchQueue(label: "auris.stream.\(jobID)")
        do {
            resampler = request.sampleRate == AudioDecoder.sampleRate ? nil : try PushResampler(from: request.sampleRate)
        } catch {
            throw ServiceError(mapping: error)
        }
    }

    /// Seconds of audio received (at 16 kHz).
    public var audioSeconds: Double { Double(recognizer?.sampleCount ?? 0) / Double(AudioDecoder.sampleRate) }

    /// The finals' text so far.
    public func text() async -> String {
        (try? await onQueue { stream in stream.finals.map(\.text).joined() }) ?? ""
    }

    /// Takes the bytes of one binary message (PCM in the start message's encoding; a sample
    /// split between messages is joined) and returns what they decided.
    public func append(_ bytes: [UInt8]) async throws(ServiceError) -> [LiveEvent] {
        try await onQueue { stream in
            var data = stream.leftover + bytes
            let width = stream.request.encoding.bytesPerSample
            let whole = data.count / width * width
            stream.leftover = Array(data[whole...])
            data.removeLast(data.count - whole)
            var samples = Self.samples(data, encoding: stream.request.encoding)
            if let resampler = stream.resampler { samples = try resampler.process(samples) }
            return try stream.recognize { try $0.append(samples) }
        }
    }

    /// The end of the audio: the open utterance becomes final.
    public func finish() async throws(ServiceError) -> [LiveEvent] {
        try await onQueue { stream in
            var events: [LiveEvent] = []
            if let resampler = stream.resampler {
                let tail = try resampler.flush()
                events += try stream.recognize { try $0.append(tail) }
            }
            return events + (try stream.recognize { try $0.finish() })
        }
    }

    /// Whether the stream's job has been cancelled (`DELETE /api/jobs/{id}`).
    public var isCancelled: Bool { cancellation.withLock { $0.requested } }

    /// `handler` is called once, on any thread, when the stream's job is cancelled (at once if it
    /// already is): its server stops reading and closes the socket. Audio after that is refused.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = cancellation.withLock { state -> Bool in
            if state.requested { return true }
            state.handler = handler
            return false
        }
        if now { handler() }
    }

    /// Cancels the stream: no more audio is decoded, its server is told, and the job ends
    /// cancelled once the decode under way (if any) is over.
    func cancel() async {
        let handler = cancellation.withLock { state -> (@Sendable () -> Void)? in
            state.requested = true
            return state.handler.take()
        }
        handler?()
        await close(failure: ServiceError(.cancelled, "the live stream \(jobID) was cancelled"))
    }

    /// Ends the stream: its job is finished with the finals' transcript (or failed with
    /// `failure`), the model and the device are let go. Safe to call more than once.
    public func close(failure: ServiceError? = nil) async {
        let summary: (Transcript, Double)? = try? await onQueue { stream in
            guard !stream.closed else { return nil }
            stream.closed = true
            let decoded = (stream.recognizer?.decodedSeconds ?? 0)
            let transcript = Transcript(language: stream.language, duration: stream.audioSeconds, segments: stream.finals)
            // Dropped here, on the queue, so the engine's references are gone before the model
            // is released (Note [Dispatch blocks outlive their work] in Handoff).
            stream.recognizer = nil
            return (transcript, decoded)
        }
        guard let (transcript, decodedSeconds) = summary else { return }
        await owner.close(self, transcript: transcript, decodedSeconds: decodedSeconds, failure: failure,
                          memory: registry.allocator.endWatch(watch).map { JobMemory($0) },
                          seconds: Date().timeIntervalSince(started))
    }

    private func recognize(_ body: (LiveRecognizer) throws -> [LiveRecognizer.Event]) throws -> [LiveEvent] {
        guard let recognizer, !closed, !isCancelled else { throw ServiceError(.cancelled, "the stream has ended") }
        return try body(recognizer).map { event in
            switch event {
            case .partial(let partial):
                return .partial(start: partial.start, end: partial.end, text: partial.text, stableText: partial.stableText)
            case .final(let segment):
                finals.append(segment)
                return .final(segment)
            }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (LiveStream) throws -> T) async throws(ServiceError) -> T {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result { try body(self) }) }
            }
        } catch {
            throw ServiceError(mapping: error)
        }
    }

    static func samples(_ bytes: [UInt8], encoding: LiveStreamRequest.Encoding) -> [Float] {
        bytes.withUnsafeBytes { raw in
            switch encoding {
            case .pcm16:
                return (0..<raw.count / 2).map { Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) / 32_768 }
            case .float32:
                return (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
    }
}
