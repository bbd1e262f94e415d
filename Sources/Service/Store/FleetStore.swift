import Foundation

/// What the workers sharing a database tell each other (Note [The fleet]): their reports, and
/// clears asked of one worker. Only the shared store (``PostgresStore``) has a fleet.
public protocol FleetStore: Sendable {
    /// This worker's name in the database.
    var workerName: String { get }

    /// Writes (or replaces) this worker's report, stamped with the database's clock.
    func publish(_ report: WorkerReport) async throws

    /// Every worker that has reported in the last `within` seconds, by name.
    func workers(within seconds: Double) async throws -> [(report: WorkerReport, secondsSinceReport: Double)]

    /// Asks `worker` for a clear; returns the command's id.
    func send(_ action: ClearAction, device: String?, actor: String, to worker: String) async throws -> Int64

    /// The commands for this worker not yet taken, taken now (each is carried out once).
    func takeCommands() async throws -> [FleetCommand]

    /// Writes what came of a command.
    func complete(_ id: Int64, result: MemoryControl.ClearCacheResult?, auditID: Int64?, error: String?) async throws

    func command(_ id: Int64) async throws -> FleetCommand?

    /// Withdraws a command no worker has taken; false when it was taken already.
    func withdraw(_ id: Int64) async throws -> Bool

    /// Calls `onCommand` when a command for this worker may have arrived.
    func watchCommands(_ onCommand: @escaping @Sendable () -> Void)
}
