import Foundation
import Hummingbird
import Service

/// `GET /api/models`; `POST /api/models/{id}/load`, `/sleep`, `/wake` and `/unload` (admin), on
/// the first serving device unless `?device=cuda:N` names another.
struct ModelsController {
    let models: ModelsService

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
            try JSONResponse.make(ModelList(models: await models.list(), defaultModel: models.defaultModelID,
                                            devices: models.devices.map(\.description)))
        }
        let group = router.group("api/models").add(middleware: admin)
        group.post(":id/load") { request, context in
            let query = request.uri.queryParameters
            let info = try await models.load(
                try context.parameters.require("id"), on: try query["device"].map { try DeviceID.parse(String($0)) },
                keepAlive: try query["keep_alive"].map { try JobParameters.keepAlive(String($0)) },
                computeType: try query["compute_type"].map { try ComputeType.parse(String($0)) },
                actor: context.actor, parameters: request.uri.query)
            return try JSONResponse.make(info)
        }
        group.post(":id/sleep") { request, context in
            let device = try request.uri.queryParameters["device"].map { try DeviceID.parse(String($0)) }
            return try JSONResponse.make(try await models.sleep(try context.parameters.require("id"), on: device, actor: context.actor))
        }
        group.post(":id/wake") { request, context in
            let device = try request.uri.queryParameters["device"].map { try DeviceID.parse(String($0)) }
            return try JSONResponse.make(try await models.wake(try context.parameters.require("id"), on: device, actor: context.actor))
        }
        group.post(":id/unload") { request, context in
            let id = try context.parameters.require("id")
            let device = try request.uri.queryParameters["device"].map { try DeviceID.parse(String($0)) }
            let released = try await models.unload(id, on: device, actor: context.actor)
            return try JSONResponse.make(UnloadResult(model: id, unloadedBytes: released))
        }
    }
}
