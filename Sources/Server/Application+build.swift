import DeviceMemory
import Foundation
import GPU
import Hummingbird
import Logging
import NIOCore
import Service
import Tensor
import Whisper

/// Builds the server: one allocator per device, a model registry and a worker for each serving
/// device, and the routes.
///
/// - Parameters:
///   - allocators: the devices' allocators; made from the configuration when nil (benchmarks
///     and tests pass their own to prepare the memory state they measure).
///   - clock: where the server reads the time (tests move it to make policies fall due).
public func buildApplication(
    _ configuration: ServerConfiguration,
    allocators givenAllocators: DeviceAllocators? = nil,
    clock: ServerClock = .system,
    logger: Logger = Logger(label: "auris"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let allocators = try givenAllocators ?? DeviceAllocators(configuration: configuration.allocatorConfiguration,
                                                                 hostCapacityBytes: configuration.hostCapacityBytes)
    var models = ModelCatalog.scan(configuration.modelsDirectory)
    var defaultID = configuration.defaultModel
    if models[defaultID] == nil, FileManager.default.fileExists(atPath: defaultID + "/model.bin") {
        let url = URL(fileURLWithPath: defaultID)
        defaultID = url.lastPathComponent
        models[defaultID] = url
    }
    guard models[defaultID] != nil else {
        throw ServiceError(.unknownModel, "the default model '\(configuration.defaultModel)' is neither in \(configuration.modelsDirectory.path) nor a model directory; run scripts/install-model.sh or pass --model")
    }
    let registries = try configuration.devices.map { device in
        ModelRegistry(models: models, defaultModelID: defaultID,
                      backend: try ComputeBackends.open(device, allocators: allocators, threads: configuration.threads),
                      defaultComputeType: configuration.computeType,
                      defaultKeepAliveSeconds: configuration.keepAliveSeconds, now: clock.now)
    }
    let memory = MemoryControl(allocators: allocators, registries: registries)
    let store = try Store(file: configuration.dataDirectory.appendingPathComponent("auris.sqlite"))
    let audit = AdminLog(logger: logger, store: store, memory: memory, now: clock.now)
    let hub = EventHub()
    let timeline = MemoryTimeline()
    var initialPolicies = MemoryPolicies.default
    initialPolicies.idleUnloadSeconds = configuration.keepAliveSeconds
    let care = try await MemoryCare(
        memory: memory, policiesFile: configuration.dataDirectory.appendingPathComponent("policies.json"),
        initialPolicies: initialPolicies, now: clock.now,
        log: { record in
            await audit.policyAction(record)
            hub.publish("policy", EventPayloads.Policy(record.action, report: record.report))
        })
    let admin = AdminAccessMiddleware(adminToken: configuration.adminToken) { peer, path, reason in
        await audit.refusal(peer: peer, path: path, reason: reason)
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
    let metrics = JobMetrics()
    let transcriptions = registries.map { TranscriptionService(registry: $0, care: care, metrics: metrics) }
    let queue = JobQueue(store: store, services: transcriptions, now: clock.now) { event in
        hub.publish("job", EventPayloads.Job(event))
        if case .recovered(let id) = event {
            Task { await audit.server("job.recovered", detail: "job \(id) was running when the server stopped; queued again") }
        }
    }
    let intake = JobIntake(directory: configuration.dataDirectory.appendingPathComponent("jobs"), queue: queue, registry: registries[0],
                           devices: configuration.devices)
    TranscriptionController(intake: intake, uploads: uploads).addRoutes(to: router)
    BatchesController(intake: intake, uploads: uploads).addRoutes(to: router)
    HistoryController(queue: queue).addRoutes(to: router)
    router.get("metrics") { _, _ in
        var models: [ModelInfo] = []
        for registry in registries { models += await registry.list() }
        let text = PrometheusExposition.render(memory: memory.report(), models: models, jobs: metrics.snapshot)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
    ModelsController(registries: registries, audit: audit).addRoutes(to: router, admin: admin)
    SystemController(memory: memory, care: care, audit: audit, hub: hub, timeline: timeline).addRoutes(to: router, admin: admin)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "auris"),
        services: [
            JobWorkerService(queue: queue, memory: memory, audit: audit),
            MemoryCareService(care: care, interval: clock.careInterval),
            RetentionService(store: store, audit: audit, historyDays: configuration.historyRetentionDays,
                             auditDays: configuration.auditRetentionDays, interval: clock.retentionInterval, now: clock.now),
            MemorySamplingService(memory: memory, hub: hub, timeline: timeline),
        ],
        onServerRunning: onServerRunning,
        logger: logger)
}
