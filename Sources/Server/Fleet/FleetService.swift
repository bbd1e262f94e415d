import Service
import ServiceLifecycle

/// This worker's part in the fleet (Note [The fleet]): publishes its report and carries out the
/// clears other workers ask of it, until shutdown. Alone (no shared database) it does nothing.
struct FleetService: ServiceLifecycle.Service {
    let fleet: Fleet

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await fleet.run()
        }
    }
}
