import Hummingbird
import Logging
import WebUI

/// Serves the web UI's files for `GET /` and the other non-API paths; API paths never touch the
/// file system.
struct WebUIMiddleware: RouterMiddleware {
    typealias Context = AurisRequestContext
    let files: FileMiddleware<AurisRequestContext, LocalFileSystem>

    init?(logger: Logger) {
        guard let directory = WebUI.siteDirectory() else { return nil }
        files = FileMiddleware(directory.path, searchForIndexHtml: true, logger: logger)
    }

    static let apiPrefixes = ["/api/", "/v1/", "/metrics", "/health"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .get || request.method == .head, !Self.apiPrefixes.contains(where: path.hasPrefix) else {
            return try await next(request, context)
        }
        return try await files.handle(request, context: context, next: next)
    }
}
