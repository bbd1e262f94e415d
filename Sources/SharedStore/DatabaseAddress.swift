import Foundation
import Service

/// A PostgreSQL address as `--database` takes it: `postgres://user[:password]@host[:port]/database`
/// (`postgresql://` too), with `?sslmode=disable|prefer|require` as libpq reads it.
public struct DatabaseAddress: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(parsing text: String) throws(ServiceError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw ServiceError(.invalidParameter, "--database must be a postgres:// address (postgres://user@host:5432/auris), not '\(Self.redacted(text))'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ServiceError(.invalidParameter, "--database '\(Self.redacted(text))' names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ServiceError(.invalidParameter, "--database '\(Self.redacted(text))' names no user (postgres://user@\(host)/…)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: mode) else {
            throw ServiceError(.invalidParameter, "--database: sslmode must be disable, prefer or require, not '\(mode)'")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.isEmpty ? self.user : database
        self.tls = tls
    }

    /// The address without its password, for logs and errors.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "…"
        return components.string ?? "…"
    }
}
