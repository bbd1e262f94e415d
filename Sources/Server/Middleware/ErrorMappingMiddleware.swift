import Audio
import DeviceMemory
import Hummingbird
import Logging
import Service
import Whisper

/// Turns the modules' own errors into API errors with the right status, so that every failure a
/// client sees has one shape and a message it can act on — and the service stays up.
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
        switch error {
        case let error as APIError:
            return error
        case let error as AudioError:
            let status: HTTPResponse.Status = error.code == .ffmpegFailed || error.code == .ffmpegMissing ? .unprocessableContent : .badRequest
            return APIError(status, code: "bad_audio_\(error.code.rawValue)", error.message)
        case let error as ServiceError:
            switch error.code {
            case .unknownModel: return APIError(.notFound, code: error.code.rawValue, error.message)
            case .modelBusy: return APIError(.conflict, code: error.code.rawValue, error.message)
            case .invalidRequest: return APIError(.badRequest, code: error.code.rawValue, error.message)
            case .engineFailure: return APIError(.internalServerError, code: error.code.rawValue, error.message)
            case .shuttingDown: return APIError(.serviceUnavailable, code: error.code.rawValue, error.message)
            case .cancelled: return APIError(.conflict, code: "job_cancelled", error.message)
            }
        case let error as DeviceMemoryError where error.code == .outOfMemory:
            return APIError(.serviceUnavailable, code: "out_of_memory", error.message)
        case let error as DeviceMemoryError:
            return APIError(.internalServerError, code: error.code.rawValue, error.message)
        case let error as WhisperError:
            return APIError(.unprocessableContent, code: error.code.rawValue, error.message)
        default:
            return APIError(.internalServerError, code: "internal_error", "\(error)")
        }
    }
}
