import Foundation
import Service
import ServiceLifecycle

/// Publishes a memory sample every second while anyone listens to `/api/system/events`, and
/// closes the open event streams at shutdown (an open stream would otherwise hold the server).
struct MemorySamplingService: ServiceLifecycle.Service {
    let memory: MemoryControl
    let hub: EventHub

    func run() async throws {
        defer { hub.closeAll() }
        await cancelWhenGracefulShutdown {
            // A sleep cut short by shutdown ends the loop; shutdown is not an error.
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                if hub.listenerCount > 0 { hub.publish("memory", memory.sample()) }
            }
        }
    }
}
