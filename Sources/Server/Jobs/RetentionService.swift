import Foundation
import Service
import ServiceLifecycle

/// Keeps the store from growing without end on a server that runs for months: at start and
/// then every `interval`, deletes finished jobs older than the history's retention and audit
/// entries older than the audit log's, and records what it removed in the audit log.
struct RetentionService: ServiceLifecycle.Service {
    let store: Store
    let audit: AdminLog
    let historyDays: Double?
    let auditDays: Double?
    let interval: Duration
    let now: @Sendable () -> Date

    func run() async throws {
        // Runs until shutdown even with nothing to prune: a service that returns early would
        // end the whole server.
        await cancelWhenGracefulShutdown {
            repeat {
                await prune()
            } while (try? await Task.sleep(for: interval)) != nil
        }
    }

    func prune() async {
        guard historyDays != nil || auditDays != nil else { return }
        let moment = now()
        func cutoff(_ days: Double?) -> Date? { days.map { moment.addingTimeInterval(-$0 * 86_400) } }
        guard let pruned = try? await store.prune(historyBefore: cutoff(historyDays), auditBefore: cutoff(auditDays)),
              pruned.jobs + pruned.auditEntries > 0 else { return }
        await audit.server("server.retention", detail: "removed \(pruned.jobs) finished jobs older than "
            + "\(historyDays.map { "\($0) days" } ?? "-") and \(pruned.auditEntries) audit entries older than \(auditDays.map { "\($0) days" } ?? "-")")
    }
}
