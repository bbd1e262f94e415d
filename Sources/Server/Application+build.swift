import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Service
import SharedStore

/// Builds the server: the service (`AurisService.open`: allocators, a model registry and a
/// worker for each serving device, the store, memory care), then the routes that translate
/// HTTP to it, and the long-lived parts as lifecycle services.
///
/// - Parameters:
///   - allocators: the devices' allocators; made from the configuration when nil (benchmarks
///     and tests pass their own to prepare the memory state they measure).
///   - clock: where the server reads the time (tests move it to make policies fall due).
public func buildApplication(
    _ configuration: ServerConfiguration,
    allocators: DeviceAllocators? = nil,
    clock: ServerClock = .system,
    logger: Logger = Logger(label: "auris"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let store: (any JobStore)? = if let database = configuration.database {
        try await PostgresStore(address: database, settings: configuration.sharedStoreSettings, logger: logger)
    } else {
        nil
    }
    let service = try await AurisService.open(configuration.serviceConfiguration, allocators: allocators, store: store,
                                              logger: logger, now: clock.now)
    let router = buildRouter(service, configuration: configuration, logger: logger)
    // WebSocket upgrades go to a router of their own, so they meet none of the HTTP routes'
    // middleware and a plain GET of /api/stream is a 404, not an empty answer.
    let streams = Router(context: AurisRequestContext.self)
    StreamController(live: service.live).addRoutes(to: streams)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: streams, configuration: .init(
            http1: .init(additionalChannelHandlers: [HangUpWatcher()]),   // Note [Clients that hang up]
            // A second of 48 kHz float32 is 192 KB: frames up to 1 MiB; pings keep idle
            // streams (someone thinking) from being cut by proxies.
            ws: .init(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(30))))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "auris"),
        services: [
            JobWorkerService(service: service),
            MemoryCareService(care: service.memory.care, interval: clock.careInterval),
            RetentionService(service: service, historyDays: configuration.historyRetentionDays,
                             auditDays: configuration.auditRetentionDays, interval: clock.retentionInterval, now: clock.now),
            MemorySamplingService(memory: service.memory),
            FleetService(fleet: service.fleet),
        ],
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The routes over an opened service: what `buildApplication` serves, and what the in-process
/// router tests call without a socket.
public func buildRouter(_ service: AurisService, configuration: ServerConfiguration, logger: Logger) -> Router<AurisRequestContext> {
    let admin = AdminAccessMiddleware(adminToken: configuration.adminToken) { peer, path, reason in
        await service.audit.refusal(actor: peer, path: path, reason: reason)
    }
    let router = Router(context: AurisRequestContext.self)
    router.add(middleware: ErrorMappingMiddleware())
    if let web = WebUIMiddleware(logger: logger) {
        router.add(middleware: web)
    } else {
        logger.warning("the web UI's files were not found next to the executable; serving the API only")
    }
    router.get("health") { _, _ in "ok" }
    let uploads = UploadReceiver(directory: configuration.dataDirectory.appendingPathComponent("uploads"),
                                 limitBytes: configuration.maxUploadBytes)
    TranscriptionController(intake: service.intake, uploads: uploads).addRoutes(to: router)
    BatchesController(intake: service.intake, uploads: uploads).addRoutes(to: router)
    HistoryController(queue: service.queue, live: service.live).addRoutes(to: router)
    router.get("metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: await service.metricsText())))
    }
    ModelsController(models: service.models).addRoutes(to: router, admin: admin)
    SystemController(memory: service.memory).addRoutes(to: router, admin: admin)
    FleetController(fleet: service.fleet).addRoutes(to: router, admin: admin)
    return router
}
