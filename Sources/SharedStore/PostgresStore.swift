import Foundation
import Logging
import NIOCore
import PostgresNIO
import Service
import Synchronization

/// The jobs, batches, history and audit log in one PostgreSQL database that several Auris
/// workers share (`--database postgres://…`): each worker claims queued jobs under a lease
/// (Note [Leases]) and is woken by `LISTEN/NOTIFY` when work arrives.
///
/// Note [Leases]: a worker that starts a job writes its id and `lease_until` into the row and
/// renews the lease of every job it runs every `renewEvery` (a third of the lease by default). A
/// worker that dies stops renewing: once the lease has expired, any worker's next round puts
/// the job back in the queue (a live stream, which has no audio to run again, ends failed) and
/// another finishes it. A worker's outcome is written only while the job is still its own, so a
/// worker that stalled past its lease and comes back cannot write a second result: `finish`
/// answers false, and the queue audits it.
public final class PostgresStore: JobStore {
    public struct Settings: Sendable {
        /// Who claims jobs: stable across restarts of one server (host and port), so that a
        /// restarted worker takes back at once what it left running.
        public var worker: String
        /// How long a claim holds without renewal.
        public var lease: Duration = .seconds(15)
        /// How often this worker renews its leases and puts expired ones back in the queue.
        public var renewEvery: Duration = .seconds(5)
        /// Uploads up to this size are kept in the database with their job, for workers that
        /// share no folder (Note [Uploads every worker can read]); nil: the workers share a
        /// spool folder (`--spool-dir`) and the database keeps only the path.
        public var audioInDatabaseLimit: Int?
        /// How long one call waits for the database before it fails with 503 `store_busy`
        /// (Note [A database that goes away]).
        public var patience: Duration = .seconds(10)

        public init(worker: String, lease: Duration = .seconds(15), renewEvery: Duration? = nil, audioInDatabaseLimit: Int? = nil) {
            self.worker = worker
            self.lease = lease
            self.renewEvery = renewEvery ?? lease / 3
            self.audioInDatabaseLimit = audioInDatabaseLimit
        }
    }

    public let address: DatabaseAddress
    public let settings: Settings
    public var location: String { address.description }
    public var isShared: Bool { true }
    public var keepsAudio: Bool { settings.audioInDatabaseLimit != nil }
    let client: PostgresClient
    let logger: Logger
    private let tasks: Mutex<[Task<Void, Never>]> = Mutex([])
    private let wakes = Mutex<[@Sendable (QueueChange) -> Void]>([])
    private let handlers = Mutex<[String: [@Sendable (String) -> Void]]>([:])

    /// Connects, brings the schema up to date (Note [Schema versions]) and starts renewing leases.
    public init(address: DatabaseAddress, settings: Settings, logger: Logger) async throws {
        self.address = address
        self.settings = settings
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password,
            database: address.database, tls: Self.tls(address.tls))
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(10)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let client = self.client
        tasks.withLock { $0.append(Task { await client.run() }) }
        do {
            try await migrate()
        } catch {
            close()
            throw ServiceError(.storeBusy, "could not open the database at \(address): \(Self.describe(error))")
        }
        startRenewing()
        startListening()
    }

    deinit { close() }

    /// Stops renewing leases and listening, and closes the connections.
    public func close() {
        // The client's own task last: the listener, cancelled first, takes its lost connection quietly.
        for task in tasks.withLock({ tasks in defer { tasks = [] }; return tasks }).reversed() { task.cancel() }
    }

    private static func tls(_ mode: DatabaseAddress.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// The server's own words for an error (PSQLError hides them from `description`).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
        }
        if let error = error as? ServiceError { return error.message }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }

    /// Runs `work` on the client and maps the database's errors to the service's.
    ///
    /// Note [A database that goes away]: the connection pool waits for a connection while the
    /// database restarts, so a short outage only delays calls. A long one must not hold requests
    /// for ever: a call that has no answer within `patience` fails with 503 `store_busy`, like a
    /// locked SQLite file, and a finished job's outcome waits and is written later (Note [An
    /// outcome waits for room]). The workers stay up (scripts/check-fleet.py stops the database).
    func run<T: Sendable>(patience given: Duration? = nil, _ work: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = client, patience = given ?? settings.patience
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work(client) }
                group.addTask {
                    try await Task.sleep(for: patience)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw ServiceError(.storeBusy, "the database at \(address) did not answer within \(patience.components.seconds) s")
                }
                return value
            }
        } catch let error as ServiceError {
            throw error
        } catch {
            // Unreachable or refusing: like a locked SQLite file, it passes (503, and an outcome waits).
            throw ServiceError(.storeBusy, "the database at \(address) failed: \(Self.describe(error))")
        }
    }

    /// Runs `work` and waits for it, for the synchronous record* calls: they come from a device's
    /// worker queue (a Dispatch thread, never the cooperative pool), and one call returning
    /// before the next begins keeps the rows in order.
    func blocking(_ work: @escaping @Sendable () async throws -> Void) throws {
        let outcome = Mutex<Result<Void, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Void, any Error>
            do { try await work(); result = .success(()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0! }.get()
    }

    // MARK: Waking workers

    /// Calls `onChange` whenever queued work may have appeared: a job queued by any worker, a
    /// job put back in the queue, or every `renewEvery` as a backstop for a lost notification.
    public func watchQueue(_ onChange: @escaping @Sendable (QueueChange) -> Void) {
        wakes.withLock { $0.append(onChange) }
    }

    func wakeWatchers(_ change: QueueChange = .queued) {
        for wake in wakes.withLock({ $0 }) { wake(change) }
    }

    static let channel = "auris_jobs"

    /// Tells every worker listening that the queue changed.
    func notifyQueue(on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify('auris_jobs', '')", logger: logger)
    }

    static let finishedChannel = "auris_finished"
    static let cancelChannel = "auris_cancel"

    private func startListening() {
        listen(on: Self.channel) { [weak self] _ in self?.wakeWatchers() }
        listen(on: Self.finishedChannel) { [weak self] id in self?.wakeWatchers(.finished(id)) }
        listen(on: Self.cancelChannel) { [weak self] id in self?.wakeWatchers(.cancelRequested(id)) }
        let channels = [Self.channel, Self.finishedChannel, Self.cancelChannel, Self.policiesChannel, Self.commandChannel]
        // One connection held for every channel, listening again a second after it is lost (a
        // database restart): the pool's other connections stay free for queries.
        let task = Task { [weak self, client, logger] in
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for channel in channels {
                                group.addTask {
                                    for try await notification in try await connection.listen(channel) {
                                        self?.deliver(notification.payload, on: channel)
                                    }
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("listening for other workers failed; trying again in 1 s", metadata: ["error": "\(Self.describe(error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        tasks.withLock { $0.append(task) }
    }

    /// Calls `handle` with the payload of every notification on `channel` (one of those
    /// `startListening` listens on).
    func listen(on channel: String, _ handle: @escaping @Sendable (String) -> Void) {
        handlers.withLock { $0[channel, default: []].append(handle) }
    }

    /// Tells every worker that `id` ended, so that requests waiting for it on any of them answer.
    func notifyFinished(_ id: String) async {
        _ = try? await client.query("SELECT pg_notify(\(Self.finishedChannel), \(id))", logger: logger)
    }

    private func deliver(_ payload: String, on channel: String) {
        for handle in handlers.withLock({ $0[channel] ?? [] }) { handle(payload) }
    }

    private func startRenewing() {
        let task = Task { [weak self, settings] in
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.renewEvery)
                guard let self, !Task.isCancelled else { return }
                do {
                    // Cancels asked while a notification was lost are found here too.
                    for id in try await self.renewLeases() { self.wakeWatchers(.cancelRequested(id)) }
                    let recovered = try await self.requeueExpired()
                    self.wakeWatchers(recovered.isEmpty ? .queued : .recovered(recovered))
                } catch {
                    self.logger.warning("renewing job leases failed", metadata: ["error": "\(Self.describe(error))"])
                }
            }
        }
        tasks.withLock { $0.append(task) }
    }
}
