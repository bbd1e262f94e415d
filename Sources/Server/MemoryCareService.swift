import Service
import ServiceLifecycle

/// Runs the memory janitor's periodic check (schedule, idle unload, thresholds) every few
/// seconds, until shutdown.
struct MemoryCareService: ServiceLifecycle.Service {
    let care: MemoryCare
    let interval: Duration

    func run() async throws {
        // Stop at graceful shutdown (SIGTERM, Ctrl-C) as well as on cancellation.
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await care.tick()
            }
        }
    }
}
