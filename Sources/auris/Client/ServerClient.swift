import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client for the admin routes of a running server (`--server URL`). The admin
/// routes answer local callers, and remote ones with `AURIS_ADMIN_TOKEN`, which is sent when set.
struct ServerClient {
    let base: URL

    init(_ text: String) throws {
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw UserError("'\(text)' is not a server URL; write e.g. http://127.0.0.1:8080")
        }
        base = url
    }

    /// Sends the request and returns the body; a non-2xx answer becomes the server's message.
    func send(_ method: String, _ path: String) async throws -> Data {
        var request = URLRequest(url: base.appendingPathComponent(path))
        request.httpMethod = method
        if let token = ProcessInfo.processInfo.environment["AURIS_ADMIN_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw UserError("cannot reach \(base.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let message = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])
                .flatMap { $0["error"] as? [String: Any] }.flatMap { $0["message"] as? String }
            throw UserError("\(base.absoluteString) answered \(status): \(message ?? String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}
