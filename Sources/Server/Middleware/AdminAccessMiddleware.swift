import Hummingbird
import NIOCore

/// Guards the administrative routes: they answer loopback peers only — judged from the socket's
/// peer address, never from `X-Forwarded-For` or similar headers, which any client can forge —
/// unless the server was started with an admin token, in which case remote callers must
/// present it as `Authorization: Bearer <token>`.
struct AdminAccessMiddleware: RouterMiddleware {
    typealias Context = AurisRequestContext
    let adminToken: String?
    /// Called for every refusal, so that each one is recorded.
    let onRefusal: @Sendable (_ peer: String, _ path: String, _ reason: String) async -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if PeerAddress.isLoopback(context.remoteAddress) { return try await next(request, context) }
        let peer = PeerAddress.describe(context.remoteAddress)
        guard let adminToken else {
            await onRefusal(peer, request.uri.path, "remote peer; remote administration is disabled")
            throw APIError(.forbidden, code: "admin_local_only",
                "administrative routes answer only local callers (this request came from \(peer)); "
                + "run the command on the server, or start the server with the environment variable AURIS_ADMIN_TOKEN set to allow remote administration (a flag would show the token in `ps`)")
        }
        guard let presented = Self.bearerToken(request), Self.constantTimeEqual(presented, adminToken) else {
            await onRefusal(peer, request.uri.path, "remote peer without a valid admin token")
            throw APIError(.unauthorized, code: "admin_token_required",
                "remote administration needs the admin token as 'Authorization: Bearer <token>'")
        }
        return try await next(request, context)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }

    /// Compares without an early exit, so the time taken does not reveal how much matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}

/// Classifies socket peer addresses.
enum PeerAddress {
    /// 127.0.0.0/8, ::1, and IPv4-mapped loopback (::ffff:127.x.y.z). Unix-domain sockets are
    /// local by construction.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4(let v4)?:
            return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes == Array(repeating: 0, count: 15) + [1] { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        case .unixDomainSocket?:
            return true
        case nil:
            return false
        }
    }

    static func describe(_ address: SocketAddress?) -> String {
        address?.ipAddress ?? address.map { "\($0)" } ?? "unknown peer"
    }
}
