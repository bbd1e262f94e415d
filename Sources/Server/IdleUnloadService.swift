import Logging
import Service
import ServiceLifecycle

/// Unloads models whose keep-alive has run out, checking every few seconds, and returns their
/// memory to the device.
struct IdleUnloadService: ServiceLifecycle.Service {
    let memory: MemoryControl
    let logger: Logger
    let interval: Duration

    func run() async throws {
        // Stop at graceful shutdown (SIGTERM, Ctrl-C) as well as on cancellation.
        try await cancelWhenGracefulShutdown {
            try await loop()
        }
    }

    private func loop() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            var unloaded: [String] = []
            for registry in memory.registries { unloaded += await registry.unloadExpired() }
            guard !unloaded.isEmpty else { continue }
            let result = memory.clearCache()
            logger.notice("idle unload", metadata: [
                "actor": "policy:idle_unload", "models": "\(unloaded.joined(separator: ","))",
                "released_bytes": "\(result.releasedBytes)"])
        }
    }
}
