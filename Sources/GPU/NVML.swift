import DeviceMemory

/// Whole-device memory reports from NVML, for diagnostics such as "who is using this GPU".
public enum NVML {
    /// Why NVML cannot be used on this machine, or `nil` when it loaded and initialised.
    public static var unavailableReason: String? {
        if case .failure(let error) = NVMLLibrary.shared { return error.message }
        return nil
    }

    /// Total, free and used memory of the GPU that CUDA calls `cuda:<index>`, with the compute
    /// processes using it.
    ///
    /// - Parameter index: the CUDA ordinal, as in `DeviceID.cuda(index)`, not NVML's own index.
    /// - Returns: `.unavailable` without NVML, `.invalidDevice` for an ordinal that does not
    ///   exist, `.backendFailure` if NVML rejects a query. Never crashes or prints.
    public static func deviceMemory(index: Int) -> Result<NVMLDeviceMemory, DeviceMemoryError> {
        do throws(DeviceMemoryError) {
            let nvml = try NVMLLibrary.shared.get()
            let handle = try nvml.handle(forCUDAOrdinal: index)
            var memory = [UInt64](repeating: 0, count: 3)  // nvmlMemory_t: total, free, used
            try nvml.check(
                memory.withUnsafeMutableBufferPointer { nvml.getMemoryInfo(handle, $0.baseAddress) },
                "nvmlDeviceGetMemoryInfo(cuda:\(index))")
            return .success(
                NVMLDeviceMemory(
                    name: try nvml.string(nvml.getName, handle, "nvmlDeviceGetName(cuda:\(index))"),
                    uuid: try nvml.string(nvml.getUUID, handle, "nvmlDeviceGetUUID(cuda:\(index))"),
                    totalBytes: Int(clamping: memory[0]),
                    freeBytes: Int(clamping: memory[1]),
                    usedBytes: Int(clamping: memory[2]),
                    processes: nvml.computeProcesses(on: handle)))
        } catch {
            return .failure(error)
        }
    }
}

extension NVMLLibrary {
    /// The NVML handle of the physical GPU behind CUDA ordinal `index`.
    ///
    /// The two APIs number GPUs differently: NVML counts every GPU in PCI order, while CUDA counts
    /// only those CUDA_VISIBLE_DEVICES lets through, and by default orders them fastest first
    /// (CUDA_DEVICE_ORDER=FASTEST_FIRST). The PCI bus id names the same GPU in both, so when the
    /// CUDA driver loads, it is asked for the address and NVML is asked for that address. Only
    /// when that fails (no usable libcuda, or an NVML without the PCI lookup) is the ordinal used
    /// as an NVML index, which is right on single-GPU machines and whenever neither variable
    /// reorders devices.
    ///
    /// Under MIG, the address resolves to the parent GPU, so the figures cover the whole GPU.
    func handle(forCUDAOrdinal index: Int) throws(DeviceMemoryError) -> OpaquePointer {
        guard index >= 0 else {
            throw DeviceMemoryError(.invalidDevice, "cuda:\(index) is not a device: ordinals start at 0")
        }
        if case .success(let cuda) = CUDADriver.shared {
            // CUDA knows which ordinals exist; an ordinal it rejects must not silently fall
            // through to some other GPU's NVML index.
            let cuDevice = try cuda.device(ordinal: index)
            if let busID = try? cuda.pciBusID(of: cuDevice), let handle = handle(pciBusID: busID) {
                return handle
            }
        }
        return try handle(nvmlIndex: index)
    }

    private func handle(pciBusID: String) -> OpaquePointer? {
        guard let handleByPciBusId else { return nil }
        var handle: OpaquePointer?
        // NVML parses "domain:bus:device.function" in hex, the format cuDeviceGetPCIBusId writes.
        guard handleByPciBusId(pciBusID, &handle) == NVMLLibrary.success else { return nil }
        return handle
    }

    private func handle(nvmlIndex index: Int) throws(DeviceMemoryError) -> OpaquePointer {
        var count: UInt32 = 0
        try check(getCount(&count), "nvmlDeviceGetCount_v2")
        guard index < Int(count) else {
            throw DeviceMemoryError(
                .invalidDevice, "cuda:\(index) does not exist: NVML sees \(count) GPU\(count == 1 ? "" : "s")")
        }
        var handle: OpaquePointer?
        try check(handleByIndex(UInt32(index), &handle), "nvmlDeviceGetHandleByIndex_v2(\(index))")
        guard let handle else {
            throw DeviceMemoryError(.backendFailure, "nvmlDeviceGetHandleByIndex_v2(\(index)) returned no device")
        }
        return handle
    }
}
