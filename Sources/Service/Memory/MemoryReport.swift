import DeviceMemory
import GPU

/// Every device with its own view of memory and the allocator's: what `auris memory` prints
/// and `GET /api/system/memory` returns.
public struct MemoryReport: Codable, Sendable {
    public var cudaAvailable: Bool
    public var cudaUnavailableReason: String?
    public var allocatorConfiguration: AllocatorConfiguration
    public var devices: [DeviceReport]

    enum CodingKeys: String, CodingKey {
        case cudaAvailable = "cuda_available"
        case cudaUnavailableReason = "cuda_unavailable_reason"
        case allocatorConfiguration = "allocator_configuration"
        case devices
    }
}

/// One device in the report.
public struct DeviceReport: Codable, Sendable {
    public var device: DeviceID
    public var name: String
    public var computeCapability: String?
    /// Whether this process holds an allocator (and so memory) on the device.
    public var allocatorOpen: Bool
    public var memory: DeviceMemoryInfo
    public var allocatedBytes: Int
    public var reservedBytes: Int
    public var fragmentation: Double
    public var stats: MemoryStats
    /// Per-process use as NVML reports it; nil where NVML is not available.
    public var processes: [GPUProcessUsage]?
    /// Page-locked host memory held for this GPU's transfers; nil for the host itself.
    public var pinnedHostBytes: Int?
    /// Device allocations the out-of-memory test hook failed on purpose; nil when it is off.
    public var injectedOutOfMemoryFaults: Int?

    enum CodingKeys: String, CodingKey {
        case device, name, memory, stats, processes, fragmentation
        case computeCapability = "compute_capability"
        case allocatorOpen = "allocator_open"
        case allocatedBytes = "allocated_bytes"
        case reservedBytes = "reserved_bytes"
        case pinnedHostBytes = "pinned_host_bytes"
        case injectedOutOfMemoryFaults = "injected_oom_faults"
    }
}

extension MemoryReport {
    /// Reads every device without opening a GPU context: devices whose allocator is not open
    /// are described by discovery and NVML alone (see Note [Lazy GPU allocators]).
    public init(allocators: DeviceAllocators) {
        let inventory = allocators.inventory
        var devices: [DeviceReport] = []
        for device in allocators.devices {
            let allocator = allocators.openedAllocator(for: device)
            let stats = allocator?.stats() ?? MemoryStats()
            let description = inventory.cuda.first { $0.id == device }
            var memory = allocator?.deviceMemory() ?? DeviceMemoryInfo(freeBytes: 0, totalBytes: description?.totalBytes ?? 0)
            var processes: [GPUProcessUsage]?
            if device.kind == .cuda, case .success(let nvml) = NVML.deviceMemory(index: device.index) {
                processes = nvml.processes
                if allocator == nil { memory = DeviceMemoryInfo(freeBytes: nvml.freeBytes, totalBytes: nvml.totalBytes) }
            }
            devices.append(DeviceReport(
                device: device, name: allocator?.deviceName ?? description?.name ?? device.description,
                computeCapability: description?.computeCapability, allocatorOpen: allocator != nil, memory: memory,
                allocatedBytes: stats.allocatedBytes.all.current, reservedBytes: stats.reservedBytes.all.current,
                fragmentation: stats.fragmentation, stats: stats, processes: processes,
                pinnedHostBytes: device.kind == .cuda ? PinnedHostBuffer.heldBytes(for: device) : nil,
                injectedOutOfMemoryFaults: allocator?.injectedFaults))
        }
        self.init(cudaAvailable: !inventory.cuda.isEmpty, cudaUnavailableReason: inventory.cudaUnavailableReason,
                  allocatorConfiguration: allocators.configuration, devices: devices)
    }
}
