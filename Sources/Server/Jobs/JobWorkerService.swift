import Foundation
import Service
import ServiceLifecycle

/// The device's worker: runs queued jobs one at a time until shutdown. At a graceful shutdown
/// the running job is stopped at its next progress event and re-queued (it runs again after the
/// restart), then the models are unloaded and their memory returned to the device.
struct JobWorkerService: ServiceLifecycle.Service {
    let queue: JobQueue
    let memory: MemoryControl
    let audit: AdminLog

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await queue.run()
            } onCancel: {
                queue.stop()
            }
        } onGracefulShutdown: {
            queue.stop()
        }
        let result = await memory.unloadAndClear()
        let waiting = (try? await queue.store.queuedJobIDs().count) ?? 0
        await audit.server("server.stop", detail: "unloaded [\((result.unloadedModels ?? []).joined(separator: ", "))], "
                           + "released \(result.releasedBytes) bytes; \(waiting) jobs wait for the next start")
    }
}
