import DeviceMemory
import GPU

/// Opens the compute backend for a device by its name, so that commands and the server choose
/// `cpu` or `cuda:N` with one setting.
public enum ComputeBackends {
    /// - Parameter threads: the CPU backend's threads; a GPU backend ignores it.
    /// - Throws: `.invalidDevice` for a device this machine does not have (the message lists
    ///   those it has), `.unavailable` when a GPU's libraries are missing.
    public static func open(_ device: DeviceID, allocators: DeviceAllocators, threads: Int) throws(DeviceMemoryError) -> any ComputeBackend {
        let allocator = try allocators.allocator(for: device)
        switch device.kind {
        case .cpu: return CPUBackend(allocator: allocator, threads: threads)
        case .cuda: return try CUDABackend(allocator: allocator)
        }
    }
}
