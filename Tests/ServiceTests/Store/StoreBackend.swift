import Foundation
import Logging
import PostgresNIO
import Service
import SharedStore
import Testing

/// The stores the conformance suite runs over: SQLite always; PostgreSQL when the tests were
/// given a database (`AURIS_TEST_DATABASE`, set by `scripts/postgres.sh run`, as `make test`
/// does), and then each test gets a database of its own, dropped afterwards.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static var testDatabase: String? {
        ProcessInfo.processInfo.environment["AURIS_TEST_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends this run can test.
    static var available: [StoreBackend] { testDatabase == nil ? [.sqlite] : allCases }

    /// Where one test's records live: reopening it finds what the last store left.
    func makePlace() async throws -> StorePlace {
        switch self {
        case .sqlite:
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("auris-store-\(UUID().uuidString)/auris.sqlite")
            return StorePlace(open: { _ in try SQLiteStore(file: file) },
                              execute: { _ in Issue.record("SQL runs on the PostgreSQL test databases only") },
                              query: { _ in Issue.record("SQL runs on the PostgreSQL test databases only"); return [] },
                              remove: { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) })
        case .postgres:
            let base = try DatabaseAddress(parsing: try #require(Self.testDatabase))
            let name = "auris_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await Self.administer(base, "CREATE DATABASE \(name)")
            let address = { var address = base; address.database = name; return address }()
            return StorePlace(
                open: { given in
                    var settings = given ?? PostgresStore.Settings(worker: "test-worker")
                    // The test process may be starved of threads by the engine's suites for long
                    // stretches: a call's wait is not what these tests measure.
                    settings.patience = .seconds(600)
                    return try await PostgresStore(address: address, settings: settings, logger: Self.quiet)
                },
                execute: { statement in _ = try await Self.administer(address, statement) },
                query: { statement in try await Self.administer(address, statement) },
                remove: { try? await Self.administer(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
        }
    }

    /// The connection pool tells of connections it closes as a store is dropped; not news here.
    static let quiet = { var logger = Logger(label: "test"); logger.logLevel = .error; return logger }()

    /// Runs one statement on a database of the test cluster; the first column of its rows, as text.
    @discardableResult
    private static func administer(_ address: DatabaseAddress, _ statement: String) async throws -> [String] {
        let configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: address.password, database: address.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
        defer { Task { try? await connection.close() } }
        var values: [String] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: quiet) {
            // A column that is not text (pg_notify's void) is left out.
            if let value = try? row.makeRandomAccess()[0].decode(String.self) { values.append(value) }
        }
        return values
    }
}

/// One test's store, reopened as often as the test likes.
struct StorePlace: Sendable {
    /// A store on these records; `settings` names the worker (PostgreSQL; SQLite ignores it).
    let open: @Sendable (PostgresStore.Settings?) async throws -> any JobStore
    /// Runs one SQL statement on the records' database, behind the store's back.
    let execute: @Sendable (String) async throws -> Void
    /// Runs a query there; the first column of each row, as text (cast it: `…::text`).
    let query: @Sendable (String) async throws -> [String]
    let remove: @Sendable () async -> Void

    func open() async throws -> any JobStore { try await open(nil) }
}

/// Runs `body` with a fresh place for records, removed afterwards.
func withStorePlace(_ backend: StoreBackend, _ body: (StorePlace) async throws -> Void) async throws {
    let place = try await backend.makePlace()
    do {
        try await body(place)
    } catch {
        await place.remove()
        throw error
    }
    await place.remove()
}

/// Runs `body` with a fresh, empty store.
func withStore(_ backend: StoreBackend, _ body: (any JobStore) async throws -> Void) async throws {
    try await withStorePlace(backend) { place in try await body(try await place.open()) }
}
