import DeviceMemory
import Foundation
import Hummingbird
import Service

/// The memory routes under `/api/system` (admin only).
struct SystemController {
    let memory: MemoryControl
    let audit: AdminLog

    struct MemoryResponse: Encodable {
        let report: MemoryReport
        let models: [ModelInfo]
        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(models, forKey: .models)
        }
        enum Keys: String, CodingKey { case models }
    }

    func addRoutes(to router: Router<AurisRequestContext>, admin: AdminAccessMiddleware) {
        let group = router.group("api/system").add(middleware: admin)
        group.get("memory") { _, _ in
            var models: [ModelInfo] = []
            for registry in memory.registries { models += await registry.list() }
            return try TranscriptionController.json(AnyEncodable(MemoryResponse(report: memory.report(), models: models)))
        }
        group.post("clear_cache") { _, context in
            let result = memory.clearCache()
            audit.record(context, action: "memory.clear_cache", detail: Self.summary(result))
            return try TranscriptionController.json(AnyEncodable(result))
        }
        group.post("unload_and_clear") { _, context in
            let result = await memory.unloadAndClear()
            audit.record(context, action: "memory.unload_and_clear",
                         detail: "unloaded [\((result.unloadedModels ?? []).joined(separator: ", "))]; " + Self.summary(result))
            return try TranscriptionController.json(AnyEncodable(result))
        }
        group.get("memory/snapshot") { request, _ in
            let name = request.uri.queryParameters["device"].map(String.init) ?? "cpu"
            let device: DeviceID
            do throws(DeviceMemoryError) { device = try DeviceID(parsing: name) } catch {
                throw APIError(.badRequest, code: "invalid_device", error.message)
            }
            guard let allocator = memory.allocators.openedAllocator(for: device) else {
                throw APIError(.notFound, code: "device_not_open", "\(device) has no allocator in this server (nothing has run on it)")
            }
            return try TranscriptionController.json(AnyEncodable(allocator.snapshot()))
        }
    }

    static func summary(_ result: MemoryControl.ClearCacheResult) -> String {
        result.devices.map { report in
            "\(report.device): reserved \(report.before.reservedBytes) → \(report.after.reservedBytes), "
                + "allocated \(report.after.allocatedBytes), released \(report.releasedBytes) in \(report.durationMilliseconds) ms"
        }.joined(separator: "; ")
    }
}
