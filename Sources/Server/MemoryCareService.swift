import Service
import ServiceLifecycle

/// Runs the memory janitor's periodic check (schedule, idle unload, thresholds) every few
/// seconds, until shutdown.
struct MemoryCareService: ServiceLifecycle.Service {
    let care: MemoryCare
    let interval: Duration

    func run() async throws {
        // Stop at graceful shutdown (SIGTERM, Ctrl-C) as well as on cancellation.
        await cancelWhenGracefulShutdown {
            // A sleep cut short by shutdown ends the loop; shutdown is not an error.
            while (try? await Task.sleep(for: interval)) != nil {
                await care.tick()
            }
        }
    }
}
