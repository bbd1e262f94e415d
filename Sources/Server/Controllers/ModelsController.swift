import Foundation
import Hummingbird
import Service
import Tensor

/// `GET /api/models`; `POST /api/models/{id}/load` and `/unload` (admin), on the first serving
/// device unless `?device=cuda:N` names another.
struct ModelsController {
    /// One per serving device, the first being the default.
    let registries: [ModelRegistry]
    let audit: AdminLog

    /// The registry of the `device` query parameter, or the first.
    func registry(for request: Request) throws -> ModelRegistry {
        guard let text = request.uri.queryParameters["device"] else { return registries[0] }
        let served = registries.map(\.device.description)
        guard let registry = registries.first(where: { $0.device.description == String(text) }) else {
            throw APIError(.badRequest, code: "invalid_device",
                           "the server does not run models on '\(text)'; it serves \(served.joined(separator: ", "))")
        }
        return registry
    }

    struct ModelList: Encodable {
        let models: [ModelInfo]
        let defaultModel: String
        /// The devices with a worker, the first being the default; a job may name one.
        let devices: [String]
        enum CodingKeys: String, CodingKey { case models, devices; case defaultModel = "default_model" }
    }

    struct UnloadResult: Encodable {
        let model: String
        /// Bytes of weights returned to the allocator's cache (clear the cache to free them).
        let unloadedBytes: Int
        enum CodingKeys: String, CodingKey { case model; case unloadedBytes = "unloaded_bytes" }
    }

    func addRoutes(to router: Router<AurisRequestContext>, admin: AdminAccessMiddleware) {
        router.get("api/models") { _, _ in
            var models: [ModelInfo] = []
            for registry in registries { models += await registry.list() }
            return try JSONResponse.make(ModelList(models: models, defaultModel: registries[0].defaultModelID,
                                                   devices: registries.map(\.device.description)))
        }
        let group = router.group("api/models").add(middleware: admin)
        group.post(":id/load") { request, context in
            let id = try context.parameters.require("id")
            let registry = try registry(for: request)
            var keepAlive: Double?? = nil
            if let text = request.uri.queryParameters["keep_alive"] {
                guard let seconds = Double(String(text)) else {
                    throw APIError(.badRequest, code: "invalid_keep_alive", "keep_alive is a number of seconds (negative: keep until unloaded)")
                }
                keepAlive = .some(seconds < 0 ? nil : seconds)
            }
            var computeType: ComputeType? = nil
            if let text = request.uri.queryParameters["compute_type"] {
                guard let parsed = ComputeType(name: String(text)) else {
                    throw APIError(.badRequest, code: "invalid_compute_type", "compute_type must be float32, float16 or int8, not '\(text)'")
                }
                computeType = parsed
            }
            let info = try await audit.perform(context, action: "model.load", parameters: "\(id) \(request.uri.query ?? "")") {
                let info = try await registry.load(id, keepAliveSeconds: keepAlive, computeType: computeType)
                return (info, "\(id): \(info.bytesHeld) bytes on \(info.device)")
            }
            return try JSONResponse.make(info)
        }
        group.post(":id/unload") { request, context in
            let id = try context.parameters.require("id")
            let registry = try registry(for: request)
            let released = try await audit.perform(context, action: "model.unload", parameters: id) {
                let released = try await registry.unload(id)
                return (released, "\(id): \(released) bytes returned to the cache")
            }
            return try JSONResponse.make(UnloadResult(model: id, unloadedBytes: released))
        }
    }
}
