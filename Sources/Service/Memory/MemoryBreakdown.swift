import DeviceMemory
import Foundation
import GPU

/// One device's memory split by what holds it, the parts adding up to the whole.
///
/// Note [A breakdown that adds up]: on the host the whole is the allocator's reserved bytes,
/// and every part comes from one reading of the allocator: the weights of each resident model,
/// the backend's own workspace, what the running job holds (allocated, less weights and
/// workspace), and the cache (reserved less allocated); they add up exactly. On a GPU the whole
/// is the device's used memory as the driver reports it, which also holds this process's CUDA
/// context and other processes' memory; those come from NVML (this process's use, less what
/// its allocator reserved, is the context). What no source accounts for (the driver's own
/// reservations) is reported as `unaccounted_bytes`, not folded into a part, so that a reader
/// can see how closely the sources agree.
public struct MemoryBreakdown: Codable, Sendable, Equatable {
    public struct Part: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case weights, jobs, workspace, cached, context
            case otherProcesses = "other_processes"
        }
        public var kind: Kind
        /// The model, for weights.
        public var model: String?
        public var bytes: Int
    }

    public var device: DeviceID
    public var parts: [Part]
    /// What the parts add up to: the allocator's reserved bytes on the host, the device's used
    /// bytes on a GPU.
    public var totalBytes: Int
    /// The whole less the parts: 0 on the host; on a GPU, what neither the allocator nor NVML
    /// accounts for.
    public var unaccountedBytes: Int

    /// - Parameters:
    ///   - usage: one reading of the allocator.
    ///   - weights: the resident models' weights, read just before `usage`.
    ///   - processes: NVML's per-process use on a GPU (nil on the host, or without NVML).
    public init(device: DeviceID, usage: MemoryUsage, weights: [(model: String, bytes: Int)], workspaceBytes: Int,
                deviceMemory: DeviceMemoryInfo, processes: [GPUProcessUsage]?, ownProcessID: Int) {
        self.device = device
        var parts = weights.map { Part(kind: .weights, model: $0.model, bytes: $0.bytes) }
        if workspaceBytes > 0 { parts.append(Part(kind: .workspace, bytes: workspaceBytes)) }
        let held = weights.reduce(workspaceBytes) { $0 + $1.bytes }
        // Never below 0: a model unloading between the two readings leaves its weights counted.
        parts.append(Part(kind: .jobs, bytes: max(0, usage.allocatedBytes - held)))
        parts.append(Part(kind: .cached, bytes: usage.reservedBytes - usage.allocatedBytes))
        if device.kind == .cuda {
            totalBytes = deviceMemory.usedBytes
            if let processes {
                if let own = processes.first(where: { $0.pid == ownProcessID })?.usedBytes {
                    parts.append(Part(kind: .context, bytes: max(0, own - usage.reservedBytes)))
                }
                let others = processes.filter { $0.pid != ownProcessID }.compactMap(\.usedBytes).reduce(0, +)
                parts.append(Part(kind: .otherProcesses, bytes: others))
            }
        } else {
            totalBytes = usage.reservedBytes
        }
        self.parts = parts
        unaccountedBytes = totalBytes - parts.reduce(0) { $0 + $1.bytes }
    }

    enum CodingKeys: String, CodingKey {
        case device, parts
        case totalBytes = "total_bytes"
        case unaccountedBytes = "unaccounted_bytes"
    }
}

extension MemoryControl {
    /// Every opened device's breakdown (Note [A breakdown that adds up]).
    public func breakdowns(processes: [DeviceID: [GPUProcessUsage]] = [:]) -> [MemoryBreakdown] {
        allocators.devices.compactMap { device in
            guard let allocator = allocators.openedAllocator(for: device) else { return nil }
            let registries = self.registries.filter { $0.device == device }
            let weights = registries.flatMap { $0.residentWeights() }
            return MemoryBreakdown(device: device, usage: allocator.usage(), weights: weights,
                                   workspaceBytes: registries.first?.workspaceBytes ?? 0, deviceMemory: allocator.deviceMemory(),
                                   processes: processes[device], ownProcessID: Int(ProcessInfo.processInfo.processIdentifier))
        }
    }
}
