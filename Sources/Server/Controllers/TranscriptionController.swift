import Foundation
import Hummingbird
import Logging
import NIOCore
import Service
import ServiceLifecycle
import Synchronization

/// `POST /api/transcriptions` and the OpenAI-compatible `POST /v1/audio/transcriptions`.
///
/// Every transcription is a job in the device's queue, so it is in the history and survives a
/// restart. The request waits for its result, unless it asks not to (`wait=false`): then it is
/// answered at once with 202 and the job, to be followed at `/api/jobs/{id}` or on the events
/// stream.
struct TranscriptionController {
    let intake: Intake
    let uploads: UploadReceiver

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.post("api/transcriptions") { request, context in try await transcribe(request, context, openAI: false) }
        router.post("v1/audio/transcriptions") { request, context in try await transcribe(request, context, openAI: true) }
    }

    func transcribe(_ request: Request, _ context: AurisRequestContext, openAI: Bool) async throws -> Response {
        let upload = try await uploads.receive(request)
        defer { upload.remove() }
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
        let parsed = try TranscriptionRequest(fields: upload.fields, query: query, openAI: openAI)
        let wait = (upload.fields["wait"] ?? query["wait"]) != "false"
        guard let job = try await intake.submit(upload.intakeFiles, parameters: parsed.parameters, openAICompatible: openAI).first else {
            throw APIError(.badRequest, code: "empty_upload", "no audio received")
        }
        guard wait else {
            var response = try JSONResponse.make(JobSummary(job))
            response.status = .accepted
            response.headers[.location] = "/api/jobs/\(job.id)"
            return response
        }
        // The HTTP server drains its requests before the worker hears of a shutdown, so a request
        // waiting here must stop the queue itself: the running job is re-queued and this request
        // answered (503, the job stays queued) instead of holding the shutdown for the whole queue.
        let done = try await withGracefulShutdownHandler {
            try await untilDoneOrHungUp(context, job: job.id)
        } onGracefulShutdown: {
            intake.queue.stop()
        }
        guard let transcript = done.transcript else { throw ServiceError(.noTranscript, "job \(job.id) has no transcript") }
        if let format = parsed.format, format != .json {
            return JSONResponse.text(format.render(transcript), mediaType: format.mediaType)
        }
        if openAI {
            return try parsed.verbose ? JSONResponse.make(OpenAIVerbose(transcript, task: parsed.parameters.task ?? .transcribe))
                : JSONResponse.make(["text": transcript.text])
        }
        return try JSONResponse.make(TranscriptionResponse(job: done, transcript: transcript))
    }

    /// The job's result — unless the client hangs up first (Note [Clients that hang up]): then
    /// the job is cancelled rather than left running for nobody.
    private func untilDoneOrHungUp(_ context: AurisRequestContext, job id: String) async throws -> JobRecord {
        let answered = Answered()
        context.hangUp?.onHangUp { [queue = intake.queue, logger = context.logger] in
            guard !answered.flag.withLock({ $0 }) else { return }
            logger.info("client hung up while its job waited; cancelling it", metadata: ["job": "\(id)"])
            Task { _ = try? await queue.cancel(id) }
        }
        let result = try await intake.queue.result(of: id)
        answered.flag.withLock { $0 = true }
        return result
    }
}

/// Whether a waiting request has its answer (after which a hang-up is no news).
private final class Answered: Sendable {
    let flag = Mutex(false)
}

/// The answer to `POST /api/transcriptions`: the job's id (its entry in the history), what ran
/// it, and the transcript.
struct TranscriptionResponse: Encodable {
    let id: String
    let model: String
    let device: String
    let transcript: Transcript
    let processingMilliseconds: Double
    let memory: JobMemory?

    init(job: JobRecord, transcript: Transcript) {
        id = job.id
        model = job.model ?? ""
        device = job.device ?? ""
        self.transcript = transcript
        processingMilliseconds = job.processingMilliseconds ?? 0
        memory = job.memory
    }

    enum CodingKeys: String, CodingKey {
        case id, model, device, transcript, memory
        case processingMilliseconds = "processing_ms"
    }
}

/// OpenAI's `verbose_json` shape.
struct OpenAIVerbose: Encodable {
    let task: String
    let language: String
    let duration: Double
    let text: String
    let segments: [TranscriptSegment]
    /// Every word of the transcript, when asked for with `timestamp_granularities[]=word`.
    let words: [Word]?

    struct Word: Encodable {
        let word: String, start: Double, end: Double
    }

    init(_ transcript: Transcript, task: WhisperTask) {
        self.task = task.rawValue
        language = transcript.language
        duration = transcript.duration
        text = transcript.text
        segments = transcript.segments
        let timed = transcript.segments.compactMap(\.words)
        words = timed.isEmpty ? nil : timed.flatMap { $0 }.map {
            Word(word: $0.word.trimmingCharacters(in: .whitespaces), start: $0.start, end: $0.end)
        }
    }
}
