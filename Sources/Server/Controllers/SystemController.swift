import DeviceMemory
import Foundation
import Hummingbird
import NIOCore
import Service
import ServiceLifecycle

/// The memory routes under `/api/system` (admin only).
struct SystemController {
    let memory: MemoryControl
    let care: MemoryCare
    let audit: AdminLog
    let hub: EventHub
    let timeline: MemoryTimeline

    struct MemoryResponse: Encodable {
        let report: MemoryReport
        let models: [ModelInfo]
        let warnings: [Warning]
        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(models, forKey: .models)
            try container.encode(warnings, forKey: .warnings)
        }
        enum Keys: String, CodingKey { case models, warnings }
    }

    /// A threshold warning with the suggested action.
    struct Warning: Encodable {
        let device: String, since: Date, reservedFraction: Double, threshold: Double, suggestion: String
        init(_ warning: JanitorWarning) {
            device = warning.device.description
            since = warning.since
            reservedFraction = warning.reservedFraction
            threshold = warning.threshold
            suggestion = warning.suggestion
        }
        enum CodingKeys: String, CodingKey {
            case device, since, threshold, suggestion
            case reservedFraction = "reserved_fraction"
        }
    }

    func addRoutes(to router: Router<AurisRequestContext>, admin: AdminAccessMiddleware) {
        let group = router.group("api/system").add(middleware: admin)
        group.get("memory") { _, _ in
            var models: [ModelInfo] = []
            for registry in memory.registries { models += await registry.list() }
            return try JSONResponse.make(MemoryResponse(
                report: memory.report(), models: models, warnings: care.warnings.map(Warning.init)))
        }
        group.post("clear_cache") { _, context in
            let result = try await audit.perform(context, action: "memory.clear_cache") {
                let result = memory.clearCache()
                return (result, Self.summary(result))
            }
            care.recordManualCleanup()
            hub.publish("clear_cache", result)
            return try JSONResponse.make(result)
        }
        group.post("unload_and_clear") { _, context in
            let result = try await audit.perform(context, action: "memory.unload_and_clear") {
                let result = await memory.unloadAndClear()
                return (result, "unloaded [\((result.unloadedModels ?? []).joined(separator: ", "))]; " + Self.summary(result))
            }
            care.recordManualCleanup()
            hub.publish("clear_cache", result)
            return try JSONResponse.make(result)
        }
        group.get("audit") { request, _ in
            let query = request.uri.queryParameters
            let limit = try HistoryController.integer(query["limit"], name: "limit", default: 100, range: 1...1000)
            let offset = try HistoryController.integer(query["offset"], name: "offset", default: 0, range: 0...Int.max)
            let (total, entries) = try await audit.store.audit(actionPrefix: query["action"].map(String.init), limit: limit, offset: offset)
            return try JSONResponse.make(Page(total: total, limit: limit, offset: offset, items: entries))
        }
        group.get("events") { _, _ in
            // Server-sent events: memory samples every second, policy actions and warnings,
            // job progress, manual clears. Ends when the client goes away (the next write fails).
            let (id, events) = hub.subscribe()
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: .init { writer in
                    defer { hub.unsubscribe(id) }
                    try await writer.write(ByteBuffer(string: ": auris events\n\n"))
                    // At shutdown the stream ends, or the server would wait for the listener.
                    try await withGracefulShutdownHandler {
                        for await event in events { try await writer.write(ByteBuffer(string: event.wireFormat)) }
                    } onGracefulShutdown: {
                        hub.unsubscribe(id)
                    }
                    try await writer.finish(nil)
                })
        }
        group.get("policies") { _, _ in try JSONResponse.make(care.policies) }
        group.put("policies") { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            let installed = try await audit.perform(context, action: "policies.update", parameters: text) {
                let decoder = JSONDecoder()
                // Fields left out keep their current values.
                decoder.userInfo[MemoryPolicies.baseUserInfoKey] = care.policies
                do {
                    try await care.update(policies: decoder.decode(MemoryPolicies.self, from: body))
                } catch let error as PolicyError {
                    throw APIError(.badRequest, code: "invalid_policy", error.message)
                } catch let error as DecodingError {
                    throw APIError(.badRequest, code: "invalid_policy", "the policies must be a JSON object of policy fields: \(error)")
                }
                return (care.policies, "policies installed")
            }
            return try JSONResponse.make(installed)
        }
        group.get("memory/timeline") { _, _ in
            try JSONResponse.make(["samples": timeline.all])
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
            return try JSONResponse.make(allocator.snapshot())
        }
    }

    static func summary(_ result: MemoryControl.ClearCacheResult) -> String {
        result.devices.map { report in
            "\(report.device): reserved \(report.before.reservedBytes) → \(report.after.reservedBytes), "
                + "allocated \(report.after.allocatedBytes), released \(report.releasedBytes) in \(report.durationMilliseconds) ms"
        }.joined(separator: "; ")
    }
}
