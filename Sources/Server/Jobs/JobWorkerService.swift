import Foundation
import Service
import ServiceLifecycle

/// The devices' workers: run queued jobs one at a time per device until shutdown. At a graceful
/// shutdown the running jobs are stopped at their next progress event and re-queued (they run
/// again after the restart), then the service unloads the models and returns their memory.
struct JobWorkerService: ServiceLifecycle.Service {
    let service: AurisService

    func run() async throws {
        let queue = service.queue
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await queue.run()
            } onCancel: {
                queue.stop()
            }
        } onGracefulShutdown: {
            queue.stop()
        }
        await service.shutdown()
    }
}
