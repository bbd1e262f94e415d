import Foundation
import Hummingbird
import Logging
import NIOCore
import Service
import Whisper

/// `POST /api/transcriptions` and the OpenAI-compatible `POST /v1/audio/transcriptions`.
struct TranscriptionController {
    let service: TranscriptionService
    let uploads: UploadReceiver
    let hub: EventHub

    func addRoutes(to router: Router<AurisRequestContext>) {
        router.post("api/transcriptions") { request, context in try await transcribe(request, context, openAI: false) }
        router.post("v1/audio/transcriptions") { request, context in try await transcribe(request, context, openAI: true) }
    }

    func transcribe(_ request: Request, _ context: AurisRequestContext, openAI: Bool) async throws -> Response {
        let upload = try await uploads.receive(request)
        defer { upload.remove() }
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
        var parameters = try TranscriptionRequest(fields: upload.fields, query: query, openAI: openAI)
        if openAI, let model = parameters.model, !(await service.registry.list().contains { $0.id == model }) {
            // OpenAI clients name OpenAI's models ("whisper-1"): serve them with the default.
            parameters.model = nil
        }
        let job = context.id
        hub.publish("job", EventPayloads.Job(job: job, state: "queued", processedSeconds: nil, totalSeconds: nil))
        let result: TranscriptionService.Result
        do {
            result = try await service.transcribe(
                path: upload.file.path, named: upload.originalName ?? "upload", modelID: parameters.model,
                options: parameters.options, keepAliveSeconds: parameters.keepAliveSeconds
            ) { [hub] event in
                guard case .progress(let progress) = event else { return }
                hub.publish("job", EventPayloads.Job(job: job, state: "running", processedSeconds: progress.processedSeconds,
                                                     totalSeconds: progress.totalSeconds))
            }
        } catch {
            hub.publish("job", EventPayloads.Job(job: job, state: "failed", processedSeconds: nil, totalSeconds: nil))
            throw error
        }
        hub.publish("job", EventPayloads.Job(job: job, state: "done", processedSeconds: result.transcript.duration,
                                             totalSeconds: result.transcript.duration))
        context.logger.info("transcribed", metadata: [
            "model": "\(result.model)", "audio_s": "\(result.transcript.duration)", "processing_ms": "\(Int(result.processingMilliseconds))"])
        if let format = parameters.format, format != .json {
            return JSONResponse.text(format.render(result.transcript), mediaType: format.mediaType)
        }
        if openAI {
            let verbose = (upload.fields["response_format"] ?? "") == "verbose_json"
            return try verbose ? JSONResponse.make(OpenAIVerbose(result)) : JSONResponse.make(["text": result.transcript.text])
        }
        return try JSONResponse.make(result)
    }
}

/// OpenAI's `verbose_json` shape.
struct OpenAIVerbose: Encodable {
    let task = "transcribe"
    let language: String
    let duration: Double
    let text: String
    let segments: [TranscriptSegment]

    init(_ result: TranscriptionService.Result) {
        language = result.transcript.language
        duration = result.transcript.duration
        text = result.transcript.text
        segments = result.transcript.segments
    }
}
