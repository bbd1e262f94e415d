import Foundation
import Service
import ServiceLifecycle

/// Keeps the store from growing without end on a server that runs for months: at start and
/// then every `interval`, the service prunes finished jobs and audit entries past their
/// retention (and audits what it removed).
struct RetentionService: ServiceLifecycle.Service {
    let service: AurisService
    let historyDays: Double?
    let auditDays: Double?
    let interval: Duration
    let now: @Sendable () -> Date

    func run() async throws {
        // Runs until shutdown even with nothing to prune: a service that returns early would
        // end the whole server.
        await cancelWhenGracefulShutdown {
            repeat {
                await service.prune(historyDays: historyDays, auditDays: auditDays, now: now())
            } while (try? await Task.sleep(for: interval)) != nil
        }
    }
}
