#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Host (CPU) memory as a device: page-aligned allocations from the C heap, with an optional
/// capacity cap.
///
/// Note [Emulating a device]: with a cap, the host behaves like a device of exactly that many
/// bytes — allocations beyond it report out-of-memory — so that out-of-memory, fragmentation
/// and the cache's recovery from them reproduce exactly, on any machine, in tests and on the
/// CPU service.
public final class HostMemory: MemoryBackend {
    /// Alignment of every segment: a page, so segments never share a page and large ones can
    /// be backed by huge pages.
    public static let alignment = 4096

    public let device = DeviceID.cpu
    public let capacityBytes: Int?
    private let heldBytes = Atomic<Int>(0)

    /// - Parameter capacityBytes: the most this backend hands out at once; `nil` for the
    ///   machine's memory.
    public init(capacityBytes: Int? = nil) {
        self.capacityBytes = capacityBytes
    }

    public var deviceName: String {
        capacityBytes.map { "host memory (capped at \(ByteCount($0)))" } ?? "host memory"
    }

    /// Bytes currently allocated through this backend.
    public var bytesHeld: Int { heldBytes.load(ordering: .relaxed) }

    public func allocate(byteCount: Int) throws(DeviceMemoryError) -> UInt? {
        if let capacityBytes {
            // Reserve first, so that concurrent callers can never overshoot the cap together.
            let after = heldBytes.add(byteCount, ordering: .relaxed).newValue
            if after > capacityBytes {
                heldBytes.subtract(byteCount, ordering: .relaxed)
                return nil
            }
        } else {
            heldBytes.add(byteCount, ordering: .relaxed)
        }
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, Self.alignment, byteCount) == 0, let pointer else {
            heldBytes.subtract(byteCount, ordering: .relaxed)
            return nil
        }
        return UInt(bitPattern: pointer)
    }

    public func free(address: UInt, byteCount: Int) {
        releaseToHeap(UnsafeMutableRawPointer(bitPattern: address))
        heldBytes.subtract(byteCount, ordering: .relaxed)
    }

    public func memoryInfo() -> DeviceMemoryInfo {
        if let capacityBytes {
            return DeviceMemoryInfo(freeBytes: capacityBytes - bytesHeld, totalBytes: capacityBytes)
        }
        return DeviceMemoryInfo(freeBytes: Self.availableBytes(), totalBytes: Self.physicalBytes())
    }

    static func physicalBytes() -> Int {
        sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
    }

    /// Memory the kernel could give us without swapping (`MemAvailable`), which counts
    /// reclaimable page cache; falls back to free pages where /proc is not mounted.
    static func availableBytes() -> Int {
        if let kilobytes = MemInfo.value(of: "MemAvailable") { return kilobytes * 1024 }
        return sysconf(Int32(_SC_AVPHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
    }
}

/// Reads one field of /proc/meminfo with plain system calls (no Foundation on this path).
enum MemInfo {
    static func value(of field: String) -> Int? {
        let descriptor = open("/proc/meminfo", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Int(digits)
        }
        return nil
    }
}

/// The C library's `free`, named so that it does not clash with `MemoryBackend.free`.
@inline(__always)
private func releaseToHeap(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

extension HostMemory: HostAccessibleMemory {
    public func fill(address: UInt, byteCount: Int, value: UInt8) {
        UnsafeMutableRawPointer(bitPattern: address)?.initializeMemory(as: UInt8.self, repeating: value, count: byteCount)
    }

    public func copyToHost(address: UInt, byteCount: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: byteCount))
    }
}
