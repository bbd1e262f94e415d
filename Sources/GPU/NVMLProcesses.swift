#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension NVMLLibrary {
    /// Byte layout of nvmlProcessInfo_t (nvml.h; the same four fields as nvmlProcessInfo_v2_t,
    /// which the _v2 entry point takes):
    ///
    ///     unsigned int       pid;                // offset 0
    ///                                            // 4 bytes padding: the next field is 8-aligned
    ///     unsigned long long usedGpuMemory;      // offset 8
    ///     unsigned int       gpuInstanceId;      // offset 16
    ///     unsigned int       computeInstanceId;  // offset 20
    ///                                            // size 24, alignment 8, so stride 24
    ///
    /// Fields are read at these offsets from a raw buffer rather than through a Swift struct,
    /// because Swift does not promise C layout for structs it declares.
    static let processInfoStride = 24
    static let processInfoPidOffset = 0
    static let processInfoUsedMemoryOffset = 8
    /// NVML_VALUE_NOT_AVAILABLE: `usedGpuMemory` is unknown (common without privileges).
    static let valueNotAvailable = UInt64.max

    /// The compute processes on `handle`, best effort: any NVML refusal (NVML_ERROR_NO_PERMISSION
    /// in containers, NVML_ERROR_NOT_SUPPORTED on some virtualised GPUs) yields an empty list, so
    /// that a memory report never fails only because the process list is hidden.
    func computeProcesses(on handle: OpaquePointer) -> [GPUProcessUsage] {
        guard let computeRunningProcesses else { return [] }
        // Ask for the count first: with *infoCount == 0 NVML answers NVML_SUCCESS when nothing
        // runs, or NVML_ERROR_INSUFFICIENT_SIZE with the number of entries it needs.
        var count: UInt32 = 0
        var result = computeRunningProcesses(handle, &count, nil)
        if result == NVMLLibrary.success { return [] }
        // Processes can start between the calls, so the buffer gets some headroom and the call
        // is retried a few times if it still turns out to be too small.
        for _ in 0..<4 {
            guard result == NVMLLibrary.errorInsufficientSize else { return [] }
            let capacity = Int(count) + 8
            let buffer = UnsafeMutableRawPointer.allocate(
                byteCount: capacity * NVMLLibrary.processInfoStride, alignment: 8)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: capacity * NVMLLibrary.processInfoStride)
            count = UInt32(capacity)
            result = computeRunningProcesses(handle, &count, buffer)
            if result == NVMLLibrary.success {
                return (0..<min(Int(count), capacity)).map { NVMLLibrary.processInfo(at: $0, in: buffer) }
            }
        }
        return []
    }

    private static func processInfo(at index: Int, in buffer: UnsafeMutableRawPointer) -> GPUProcessUsage {
        let base = index * processInfoStride
        let pid = buffer.load(fromByteOffset: base + processInfoPidOffset, as: UInt32.self)
        let used = buffer.load(fromByteOffset: base + processInfoUsedMemoryOffset, as: UInt64.self)
        return GPUProcessUsage(
            pid: Int(pid),
            name: processName(pid: Int(pid)),
            usedBytes: used == valueNotAvailable ? nil : Int(clamping: used))
    }

    /// The kernel's short command name for `pid` (at most 15 bytes), or "" when unreadable.
    static func processName(pid: Int) -> String {
        let fd = open("/proc/\(pid)/comm", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64)
        let length = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard length > 0 else { return "" }
        var name = bytes[..<length]
        while let last = name.last, last == UInt8(ascii: "\n") || last == 0 { name = name.dropLast() }
        return String(decoding: name, as: UTF8.self)
    }
}
