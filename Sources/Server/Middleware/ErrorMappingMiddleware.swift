import Hummingbird
import Logging
import Service

/// Turns every error into the API's one shape with the right status, so that every failure a
/// client sees has a code and a message it can act on — and the service stays up. The service
/// has already turned the lower modules' errors into `ServiceError`s (`ServiceError(mapping:)`);
/// here each of its codes gets its one HTTP status.
struct ErrorMappingMiddleware: RouterMiddleware {
    typealias Context = AurisRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, code: "http_error", error.body ?? "\(error.status)")
        } catch {
            let mapped = Self.map(error)
            if mapped.status.code >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            throw mapped
        }
    }

    static func map(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        let error = ServiceError(mapping: error)
        return APIError(status(of: error.code), code: error.apiCode, error.message, field: error.field)
    }

    /// The one status of each service error code (docs/server.md, "Bad input and what it gets").
    static func status(of code: ServiceError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidParameter, .badAudio: .badRequest
        case .unknownModel, .unknownJob, .unknownBatch, .unknownWorker, .deviceNotOpen: .notFound
        case .modelBusy, .modelNotLoaded, .jobFinished, .jobNotFinished, .noTranscript, .cancelled: .conflict
        case .audioTool, .modelUnreadable: .unprocessableContent
        case .outOfMemory, .shuttingDown, .deviceUnavailable, .storeBusy, .workerUnavailable: .serviceUnavailable
        case .storageFull: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        case .engineFailure: .internalServerError
        }
    }
}
