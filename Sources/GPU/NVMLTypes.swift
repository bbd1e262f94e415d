/// One process holding memory on a GPU, as NVML lists compute processes.
public struct GPUProcessUsage: Sendable, Codable, Equatable {
    /// The process id as NVML reports it: the host's pid namespace, so inside a container it may
    /// not match any process visible here.
    public var pid: Int
    /// The command name from `/proc/PID/comm`, or "" when that is unreadable (another pid
    /// namespace, a process that has exited, or a system without procfs).
    public var name: String
    /// Device memory the process holds, or `nil` when NVML does not know (it reports
    /// NVML_VALUE_NOT_AVAILABLE, typically without permission or inside a container).
    public var usedBytes: Int?

    public init(pid: Int, name: String, usedBytes: Int?) {
        self.pid = pid
        self.name = name
        self.usedBytes = usedBytes
    }

    enum CodingKeys: String, CodingKey {
        case pid, name
        case usedBytes = "used_bytes"
    }

    // Written by hand so an unknown size is an explicit `null` rather than a missing key, which
    // keeps the JSON shape the same for every process.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pid, forKey: .pid)
        try container.encode(name, forKey: .name)
        try container.encode(usedBytes, forKey: .usedBytes)
    }
}

/// A GPU's memory as NVML sees it: the whole device, including every other process's share,
/// which is what one needs to explain why an allocation failed while this process held little.
public struct NVMLDeviceMemory: Sendable, Codable, Equatable {
    /// The marketing name, such as "NVIDIA H200".
    public var name: String
    /// The GPU's UUID, such as "GPU-5f3c…"; stable across reboots and renumbering.
    public var uuid: String
    public var totalBytes: Int
    public var freeBytes: Int
    public var usedBytes: Int
    /// Compute processes using the device; empty when none run or NVML may not list them.
    public var processes: [GPUProcessUsage]

    public init(
        name: String, uuid: String, totalBytes: Int, freeBytes: Int, usedBytes: Int, processes: [GPUProcessUsage]
    ) {
        self.name = name
        self.uuid = uuid
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
        self.usedBytes = usedBytes
        self.processes = processes
    }

    enum CodingKeys: String, CodingKey {
        case name, uuid, processes
        case totalBytes = "total_bytes"
        case freeBytes = "free_bytes"
        case usedBytes = "used_bytes"
    }
}
