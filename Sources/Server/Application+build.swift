import DeviceMemory
import Foundation
import GPU
import Hummingbird
import Logging
import NIOCore
import Service
import Tensor
import Whisper

/// Builds the server: one allocator per device, the model registry and worker of the serving
/// device, and the routes.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger = Logger(label: "auris"),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let allocators = try DeviceAllocators(configuration: configuration.allocatorConfiguration)
    guard configuration.device.kind == .cpu else {
        throw ServiceError(.invalidRequest, "the engine runs on the CPU in this version; CUDA inference is not built yet (\(configuration.device) requested)")
    }
    let backend = CPUBackend(allocator: try allocators.allocator(for: configuration.device), threads: configuration.threads)
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
    let registry = ModelRegistry(models: models, defaultModelID: defaultID, backend: backend,
                                 defaultKeepAliveSeconds: configuration.keepAliveSeconds)
    let memory = MemoryControl(allocators: allocators, registries: [registry])
    let audit = AdminLog(logger: logger)
    let admin = AdminAccessMiddleware(adminToken: configuration.adminToken) { peer, path, reason in
        audit.refusal(peer: peer, path: path, reason: reason)
    }

    let router = Router(context: AurisRequestContext.self)
    router.add(middleware: ErrorMappingMiddleware())
    router.get("health") { _, _ in "ok" }
    let uploads = UploadReceiver(directory: configuration.dataDirectory.appendingPathComponent("uploads"),
                                 limitBytes: configuration.maxUploadBytes)
    TranscriptionController(service: TranscriptionService(registry: registry), uploads: uploads).addRoutes(to: router)
    ModelsController(registry: registry, audit: audit).addRoutes(to: router, admin: admin)
    SystemController(memory: memory, audit: audit).addRoutes(to: router, admin: admin)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "auris"),
        services: [IdleUnloadService(memory: memory, logger: logger, interval: .seconds(5))],
        onServerRunning: onServerRunning,
        logger: logger)
}
