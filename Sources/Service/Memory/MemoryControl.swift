import DeviceMemory
import Foundation
import GPU

/// The administrative memory actions: clear every opened device's cache, and unload models
/// then clear, each with before/after figures as proof.
public struct MemoryControl: Sendable {
    public let allocators: DeviceAllocators
    public let registries: [ModelRegistry]

    public init(allocators: DeviceAllocators, registries: [ModelRegistry]) {
        self.allocators = allocators
        self.registries = registries
    }

    /// What one clear did, per device.
    public struct ClearCacheResult: Codable, Sendable {
        public var cudaAvailable: Bool
        public var cudaUnavailableReason: String?
        public var devices: [EmptyCacheReport]
        public var releasedBytes: Int
        public var durationMilliseconds: Double
        /// Models unloaded first (unload_and_clear only).
        public var unloadedModels: [String]?

        public init(cudaAvailable: Bool, cudaUnavailableReason: String?, devices: [EmptyCacheReport],
                    releasedBytes: Int, durationMilliseconds: Double, unloadedModels: [String]? = nil) {
            self.cudaAvailable = cudaAvailable
            self.cudaUnavailableReason = cudaUnavailableReason
            self.devices = devices
            self.releasedBytes = releasedBytes
            self.durationMilliseconds = durationMilliseconds
            self.unloadedModels = unloadedModels
        }

        enum CodingKeys: String, CodingKey {
            case devices
            case cudaAvailable = "cuda_available"
            case cudaUnavailableReason = "cuda_unavailable_reason"
            case releasedBytes = "released_bytes"
            case durationMilliseconds = "duration_ms"
            case unloadedModels = "unloaded_models"
        }
    }

    /// Releases every cached segment holding no live block, on every opened device (or on
    /// `device` alone). Safe while a job runs: live blocks are never touched.
    public func clearCache(on device: DeviceID? = nil) -> ClearCacheResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let reports = allocators.devices.filter { device == nil || $0 == device }.compactMap { allocators.openedAllocator(for: $0)?.emptyCache() }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return ClearCacheResult(
            cudaAvailable: !allocators.inventory.cuda.isEmpty, cudaUnavailableReason: allocators.inventory.cudaUnavailableReason,
            devices: reports, releasedBytes: reports.reduce(0) { $0 + $1.releasedBytes }, durationMilliseconds: elapsed)
    }

    /// Unloads every model no job is using, then clears the caches (of `device` alone, when given).
    public func unloadAndClear(on device: DeviceID? = nil) async -> ClearCacheResult {
        var unloaded: [String] = []
        for registry in registries where device == nil || registry.device == device { unloaded += registry.unloadAll() }
        var result = clearCache(on: device)
        result.unloadedModels = unloaded
        return result
    }

    /// Allocated and reserved bytes and the device's free and total, per opened device.
    public func usage() -> [DeviceUsage] {
        allocators.devices.compactMap { device in
            allocators.openedAllocator(for: device).map { DeviceUsage(device: device, usage: $0.usage(), memory: $0.deviceMemory()) }
        }
    }

    /// Every device's figures, as `auris memory` shows them.
    public func report() -> MemoryReport { MemoryReport(allocators: allocators) }
}
