import DeviceMemory
import Foundation

/// What the System page and `/api/system/*` do with memory, with the bookkeeping each action
/// owes: every manual clear is audited (with the allocator's own before and after), counted by
/// the janitor as a cleanup, and published on the events stream.
public struct MemoryService: Sendable {
    public let control: MemoryControl
    public let care: MemoryCare
    public let audit: AuditLog
    public let hub: EventHub
    public let timeline: MemoryTimeline

    public init(control: MemoryControl, care: MemoryCare, audit: AuditLog, hub: EventHub, timeline: MemoryTimeline) {
        self.control = control
        self.care = care
        self.audit = audit
        self.hub = hub
        self.timeline = timeline
    }

    /// Every device's figures, the models and the active warnings.
    public struct Status: Encodable, Sendable {
        public let report: MemoryReport
        public let models: [ModelInfo]
        public let warnings: [JanitorWarning]
        /// Per opened device, what holds its memory (Note [A breakdown that adds up]).
        public let breakdown: [MemoryBreakdown]

        public func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(models, forKey: .models)
            try container.encode(warnings, forKey: .warnings)
            try container.encode(breakdown, forKey: .breakdown)
        }
        enum Keys: String, CodingKey { case models, warnings, breakdown }
    }

    public func status() async -> Status {
        var models: [ModelInfo] = []
        for registry in control.registries { models += registry.list() }
        let report = control.report()
        let processes = Dictionary(report.devices.compactMap { device in device.processes.map { (device.device, $0) } },
                                   uniquingKeysWith: { first, _ in first })
        return Status(report: report, models: models, warnings: care.warnings, breakdown: control.breakdowns(processes: processes))
    }

    /// Releases every cached segment with no live block, on every opened device.
    public func clearCache(actor: String) async -> MemoryControl.ClearCacheResult {
        await clear(.clearCache, device: nil, actor: actor).result
    }

    /// Per opened device, what a clear would release now and what would stay as fragmentation.
    public func clearPreview() -> [ClearPreview] {
        control.allocators.devices.compactMap { control.allocators.openedAllocator(for: $0).map { ClearPreview(snapshot: $0.snapshot()) } }
    }

    /// Unloads every model no job is using, then clears.
    public func unloadAndClear(actor: String) async -> MemoryControl.ClearCacheResult {
        await clear(.unloadAndClear, device: nil, actor: actor).result
    }

    /// A clear (after unloading the idle models, for `unloadAndClear`) on every opened device or
    /// on `device` alone, audited; returns the allocator's before and after and the audit entry.
    /// `worker` names this worker in the detail, where several share the audit log.
    public func clear(_ action: ClearAction, device: DeviceID?, actor: String, worker: String? = nil)
        async -> (result: MemoryControl.ClearCacheResult, audit: AuditEntry?) {
        let result: MemoryControl.ClearCacheResult
        let place = [worker.map { "worker \($0)" }, device.map { "on \($0)" }].compactMap { $0 }.joined(separator: ", ")
        var detail = place.isEmpty ? "" : place + ": "
        switch action {
        case .clearCache:
            result = control.clearCache(on: device)
        case .unloadAndClear:
            result = await control.unloadAndClear(on: device)
            detail += "unloaded [\((result.unloadedModels ?? []).joined(separator: ", "))]; "
        }
        let entry = await audit.recordClear(actor: actor, action: "memory." + action.rawValue, result: result, detail: detail + Self.summary(result))
        care.recordManualCleanup()
        hub.publish("clear_cache", result)
        return (result, entry)
    }

    /// Segments, blocks and recent events of one opened device's allocator.
    public func snapshot(device name: String) throws(ServiceError) -> MemorySnapshot {
        let device: DeviceID
        do throws(DeviceMemoryError) { device = try DeviceID(parsing: name) } catch { throw .invalid("device", error.message) }
        guard let allocator = control.allocators.openedAllocator(for: device) else {
            throw ServiceError(.deviceNotOpen, "\(device) has no allocator in this server (nothing has run on it)")
        }
        return allocator.snapshot()
    }

    /// Installs policies from a JSON object of policy fields (fields left out keep their values).
    public func updatePolicies(json: Data, actor: String) async throws -> MemoryPolicies {
        try await audit.perform(actor: actor, action: "policies.update", parameters: String(decoding: json, as: UTF8.self)) {
            let decoder = JSONDecoder()
            decoder.userInfo[MemoryPolicies.baseUserInfoKey] = care.policies
            let policies: MemoryPolicies
            do {
                policies = try decoder.decode(MemoryPolicies.self, from: json)
            } catch let error as ServiceError {
                throw error
            } catch {
                throw ServiceError.invalid("policy", "the policies must be a JSON object of policy fields: \(error)")
            }
            try await care.update(policies: policies)
            return (care.policies, "policies installed")
        }
    }

    static func summary(_ result: MemoryControl.ClearCacheResult) -> String {
        result.devices.map { report in
            "\(report.device): reserved \(report.before.reservedBytes) → \(report.after.reservedBytes), "
                + "allocated \(report.after.allocatedBytes), released \(report.releasedBytes) in \(report.durationMilliseconds) ms"
        }.joined(separator: "; ")
    }
}
