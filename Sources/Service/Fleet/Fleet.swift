import DeviceMemory
import Foundation
import Logging

/// This worker as one of several sharing a database, and the clears asked across them.
///
/// Note [The fleet]: every worker writes its report (memory per device, models) into the shared
/// database every `reportEvery`, so any worker can list them all (`GET /api/fleet`). A clear
/// meant for another worker becomes a command row for it, with a NOTIFY to wake it (and its own
/// look every round as a backstop); that worker carries it out on its own allocators, writes
/// the audit entry into the shared log and its before/after report into the row, which the
/// asking worker is polling. So the memory is cleared by the process that owns it, and the
/// caller still gets the proof. Alone (SQLite), the fleet is this one worker.
public final class Fleet: Sendable {
    public let name: String
    let url: String
    let startedAt: Date
    let store: (any FleetStore)?
    let memory: MemoryService
    let registries: [ModelRegistry]
    let logger: Logger
    public static let reportEvery: Duration = .seconds(2)
    /// How long a caller waits for another worker to carry out its command.
    static let answerWithin: Duration = .seconds(30)
    private let commandArrived: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) =
        AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(name: String, url: String, store: (any FleetStore)?, memory: MemoryService, registries: [ModelRegistry],
                logger: Logger, startedAt: Date = Date()) {
        self.name = name
        self.url = url
        self.store = store
        self.memory = memory
        self.registries = registries
        self.logger = logger
        self.startedAt = startedAt
    }

    /// This worker's report now.
    public func report() -> WorkerReport {
        WorkerReport(name: name, url: url, startedAt: startedAt, devices: memory.control.usage(),
                     serving: registries.map(\.device.description),
                     residentModels: registries.flatMap { registry in
                         registry.residentModels().map { ResidentModelName(model: $0.id, device: $0.device.description) }
                     },
                     models: Array(Set(registries.flatMap(\.modelIDs))).sorted())
    }

    /// Publishes the report and carries out commands, until cancelled (alone, only waits for that:
    /// a lifecycle service that returns early stops the server).
    public func run() async {
        guard let store else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        let arrived = commandArrived.continuation
        store.watchCommands { arrived.yield() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do { try await store.publish(self.report()) } catch {
                        self.logger.warning("publishing this worker's report failed", metadata: ["error": "\(error)"])
                    }
                    arrived.yield()   // the backstop look for commands
                    try? await Task.sleep(for: Self.reportEvery)
                }
            }
            group.addTask {
                for await _ in self.commandArrived.stream {
                    await self.carryOutCommands(store)
                }
            }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                arrived.finish()
            }
            group.cancelAll()
        }
    }

    private func carryOutCommands(_ store: any FleetStore) async {
        let commands: [FleetCommand]
        do { commands = try await store.takeCommands() } catch {
            logger.warning("reading this worker's commands failed", metadata: ["error": "\(error)"])
            return
        }
        for command in commands {
            var result: MemoryControl.ClearCacheResult?, auditID: Int64?, failure: String?
            do {
                let device = try command.device.map { text throws(ServiceError) in try self.openedDevice(text) }
                let outcome = await memory.clear(command.action, device: device, actor: command.actor, worker: name)
                (result, auditID) = (outcome.result, outcome.audit?.id)
            } catch {
                failure = error.message
            }
            do { try await store.complete(command.id, result: result, auditID: auditID, error: failure) } catch {
                logger.warning("answering command \(command.id) failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Every worker sharing the database (those reported within the last 10 minutes), or this
    /// one alone.
    public func members() async throws -> [FleetMember] {
        guard let store else { return [FleetMember(report: report(), secondsSinceReport: 0, isReporting: true, isSelf: true)] }
        let fresh = 3 * Double(Self.reportEvery.components.seconds)
        return try await store.workers(within: 600).map { report, age in
            FleetMember(report: report, secondsSinceReport: age, isReporting: age <= fresh, isSelf: report.name == name)
        }
    }

    /// What a clear on one worker gave: the worker's before/after report and its audit entry.
    public struct ClearOutcome: Codable, Sendable {
        public var worker: String
        public var result: MemoryControl.ClearCacheResult
        public var auditID: Int64?

        enum CodingKeys: String, CodingKey {
            case worker, result
            case auditID = "audit_id"
        }
    }

    /// Clears `device` (all its opened devices when nil) on `worker` (this one when nil),
    /// carried out by that worker (Note [The fleet]).
    public func clear(_ action: ClearAction, worker: String?, device: String?, actor: String) async throws -> ClearOutcome {
        let target = worker ?? name
        if target == name {
            let outcome = await memory.clear(action, device: try device.map { text throws(ServiceError) in try openedDevice(text) }, actor: actor,
                                             worker: store == nil ? nil : name)
            return ClearOutcome(worker: name, result: outcome.result, auditID: outcome.audit?.id)
        }
        guard let store else {
            throw ServiceError(.unknownWorker, "this server shares no database, so it is the only worker ('\(name)'), not '\(target)'")
        }
        guard let member = try await members().first(where: { $0.report.name == target }) else {
            throw ServiceError(.unknownWorker, "no worker named '\(target)' has reported to the shared database in the last 10 minutes")
        }
        guard member.isReporting else {
            throw ServiceError(.workerUnavailable, "worker '\(target)' last reported \(Int(member.secondsSinceReport)) s ago; it is stopped or cut off")
        }
        if let device { _ = try Self.device(device) }
        let id = try await store.send(action, device: device, actor: "\(actor) via \(name)", to: target)
        let deadline = ContinuousClock.now + Self.answerWithin
        while ContinuousClock.now < deadline {
            if let command = try await store.command(id), command.done {
                // The one thing a valid command can meet there: a device that worker has not opened.
                if let error = command.error { throw ServiceError(.deviceNotOpen, "worker '\(target)': \(error)") }
                guard let result = command.result else { throw ServiceError(.workerUnavailable, "worker '\(target)' answered without a report") }
                return ClearOutcome(worker: target, result: result, auditID: command.auditID)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let withdrawn = try await store.withdraw(id)
        throw ServiceError(.workerUnavailable, "worker '\(target)' did not carry out the clear within \(Self.answerWithin.components.seconds) s"
                           + (withdrawn ? "; the command was withdrawn" : "; it took the command and may still carry it out"))
    }

    static func device(_ text: String) throws(ServiceError) -> DeviceID {
        do throws(DeviceMemoryError) { return try DeviceID(parsing: text) } catch { throw .invalid("device", error.message) }
    }

    /// `text` as a device this worker has an allocator on.
    func openedDevice(_ text: String) throws(ServiceError) -> DeviceID {
        let device = try Self.device(text)
        guard memory.control.allocators.openedAllocator(for: device) != nil else {
            throw ServiceError(.deviceNotOpen, "\(device) has no allocator in worker '\(name)' (nothing has run on it)")
        }
        return device
    }
}
