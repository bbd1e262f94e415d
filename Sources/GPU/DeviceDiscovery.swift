import DeviceMemory

/// One CUDA device as discovery describes it.
public struct CUDADeviceDescription: Sendable, Codable, Equatable {
    /// `cuda:N`, with N the CUDA ordinal (after CUDA_VISIBLE_DEVICES).
    public var id: DeviceID
    /// The marketing name, such as "NVIDIA H200".
    public var name: String
    public var totalBytes: Int
    /// "major.minor", such as "9.0" for Hopper.
    public var computeCapability: String
    /// The CUDA version the installed driver supports, such as "13.0".
    public var driverVersion: String

    public init(id: DeviceID, name: String, totalBytes: Int, computeCapability: String, driverVersion: String) {
        self.id = id
        self.name = name
        self.totalBytes = totalBytes
        self.computeCapability = computeCapability
        self.driverVersion = driverVersion
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case totalBytes = "total_bytes"
        case computeCapability = "compute_capability"
        case driverVersion = "driver_version"
    }
}

/// The accelerators this process can use.
public struct DeviceInventory: Sendable, Codable, Equatable {
    /// CUDA devices in ordinal order; empty when CUDA is unavailable.
    public var cuda: [CUDADeviceDescription]
    /// Why `cuda` is empty, in words for a user, such as "CUDA is not available: libcuda.so.1 was
    /// not found (no NVIDIA driver installed)"; `nil` when CUDA works.
    public var cudaUnavailableReason: String?

    public init(cuda: [CUDADeviceDescription], cudaUnavailableReason: String?) {
        self.cuda = cuda
        self.cudaUnavailableReason = cudaUnavailableReason
    }

    enum CodingKeys: String, CodingKey {
        case cuda
        case cudaUnavailableReason = "cuda_unavailable_reason"
    }
}

/// Finds the GPUs of this machine and opens memory backends on them.
public enum DeviceDiscovery {
    /// The devices this process can use. Never throws, crashes or prints: on a machine without a
    /// driver the list is empty and the reason says why.
    ///
    /// The answer is computed once and then reused: the CUDA driver fixes its device list at
    /// `cuInit`, so a second scan could not find anything new, and repeated calls (status pages,
    /// health checks) cost nothing.
    public static func discover() -> DeviceInventory { inventory }

    private static let inventory: DeviceInventory = scan()

    private static func scan() -> DeviceInventory {
        do throws(DeviceMemoryError) {
            let driver = try CUDADriver.shared.get()
            let count = try driver.deviceCount()
            var devices: [CUDADeviceDescription] = []
            for index in 0..<count {
                let cuDevice = try driver.device(ordinal: index)
                devices.append(
                    CUDADeviceDescription(
                        id: .cuda(index),
                        name: try driver.name(of: cuDevice),
                        totalBytes: try driver.totalMemory(of: cuDevice),
                        computeCapability: try driver.computeCapability(of: cuDevice),
                        driverVersion: driver.driverVersionString))
            }
            if devices.isEmpty {
                return DeviceInventory(cuda: [], cudaUnavailableReason: "CUDA is not available: the driver reports no devices")
            }
            return DeviceInventory(cuda: devices, cudaUnavailableReason: nil)
        } catch {
            // A driver that loads but cannot describe a device is as unusable as no driver; the
            // message keeps the driver's own error so the cause can be looked up.
            let reason = error.code == .unavailable ? error.message : "CUDA is not available: \(error.message)"
            return DeviceInventory(cuda: [], cudaUnavailableReason: reason)
        }
    }

    /// Opens the memory backend for `device`, which must name an existing CUDA device.
    ///
    /// - Throws: `.invalidDevice` for `cpu` or an ordinal beyond the devices present (the
    ///   message lists the valid ones), `.unavailable` without a usable driver.
    public static func makeBackend(for device: DeviceID) throws(DeviceMemoryError) -> CUDAMemory {
        guard device.kind == .cuda else {
            throw DeviceMemoryError(.invalidDevice, "\(device) is not a CUDA device; the GPU module only opens cuda:N")
        }
        // CUDAMemory checks the ordinal against the driver's device count (see
        // `CUDADriver.device(ordinal:)`), so an out-of-range ordinal is reported there with the
        // list of devices that do exist.
        return try CUDAMemory(deviceIndex: device.index)
    }
}
