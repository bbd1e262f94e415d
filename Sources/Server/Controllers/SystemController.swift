import Foundation
import Hummingbird
import NIOCore
import Service
import ServiceLifecycle

/// The memory routes under `/api/system` (admin only); the service does the work and the
/// bookkeeping, these routes only translate.
struct SystemController {
    let memory: MemoryService

    func addRoutes(to router: Router<AurisRequestContext>, admin: AdminAccessMiddleware) {
        let group = router.group("api/system").add(middleware: admin)
        group.get("memory") { _, _ in try JSONResponse.make(await memory.status()) }
        group.get("clear_cache/preview") { _, _ in try JSONResponse.make(Previews(devices: memory.clearPreview())) }
        group.post("clear_cache") { _, context in try JSONResponse.make(await memory.clearCache(actor: context.actor)) }
        group.post("unload_and_clear") { _, context in try JSONResponse.make(await memory.unloadAndClear(actor: context.actor)) }
        group.get("audit") { request, _ in
            let query = request.uri.queryParameters
            let limit = try HistoryController.integer(query["limit"], name: "limit", default: 100, range: 1...1000)
            let offset = try HistoryController.integer(query["offset"], name: "offset", default: 0, range: 0...Int.max)
            let (total, entries) = try await memory.audit.entries(actionPrefix: query["action"].map(String.init), limit: limit, offset: offset)
            return try JSONResponse.make(Page(total: total, limit: limit, offset: offset, items: entries))
        }
        group.get("events") { _, _ in
            // Server-sent events: memory samples every second, policy actions and warnings,
            // job progress, manual clears. Ends when the client goes away (the next write fails).
            let hub = memory.hub
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
        group.get("policies") { _, _ in try JSONResponse.make(memory.care.policies) }
        group.put("policies") { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            return try JSONResponse.make(try await memory.updatePolicies(json: Data(buffer: body), actor: context.actor))
        }
        group.get("memory/timeline") { _, _ in try JSONResponse.make(["samples": memory.timeline.all]) }
        group.get("memory/snapshot") { request, _ in
            try JSONResponse.make(try memory.snapshot(device: request.uri.queryParameters["device"].map(String.init) ?? "cpu"))
        }
    }
}

/// `GET /api/system/clear_cache/preview`: `{"devices": [...]}`, as the clear's own report.
struct Previews: Encodable {
    let devices: [ClearPreview]
}
