import Foundation
import Service
import ServiceLifecycle

/// Takes a memory sample every second: into the last hour's timeline, and to the listeners of
/// `/api/system/events` when there are any. Closes the open event streams at shutdown (an open
/// stream would otherwise hold the server).
struct MemorySamplingService: ServiceLifecycle.Service {
    let memory: MemoryService

    func run() async throws {
        let hub = memory.hub, timeline = memory.timeline
        defer { hub.closeAll() }
        await cancelWhenGracefulShutdown {
            // A sleep cut short by shutdown ends the loop; shutdown is not an error.
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                let sample = memory.control.sample()
                timeline.append(sample)
                if hub.listenerCount > 0 { hub.publish("memory", sample) }
            }
        }
    }
}
