#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Host (CPU) memory as a device: page-aligned anonymous mappings, with an optional capacity cap.
///
/// Note [Mappings, not the C heap]: segments are mapped with `mmap` and unmapped when released,
/// so that a released segment really goes back to the system, as on a GPU. With `malloc`, glibc
/// raises its mmap threshold after the first large free and serves later segments from its heap,
/// which it rarely shrinks: "clear cache" would then release nothing the machine can see.
/// Unmapping also lets `free(regions:)` merge neighbouring segments (the kernel places new
/// mappings next to each other) into one `munmap`, which is what keeps `emptyCache` of a
/// thousand segments within a few milliseconds.
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
        let pointer = mmap(nil, Self.mappedLength(byteCount), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let pointer, pointer != MAP_FAILED else {
            heldBytes.subtract(byteCount, ordering: .relaxed)
            return nil
        }
        return UInt(bitPattern: pointer)
    }

    public func free(address: UInt, byteCount: Int) {
        munmap(UnsafeMutableRawPointer(bitPattern: address), Self.mappedLength(byteCount))
        heldBytes.subtract(byteCount, ordering: .relaxed)
    }

    /// Unmaps runs of neighbouring regions with one call each.
    public func free(regions: [(address: UInt, byteCount: Int)]) {
        let sorted = regions.sorted { $0.address < $1.address }
        var index = 0
        while index < sorted.count {
            let start = sorted[index].address
            var end = start + UInt(Self.mappedLength(sorted[index].byteCount))
            index += 1
            while index < sorted.count, sorted[index].address == end {
                end += UInt(Self.mappedLength(sorted[index].byteCount))
                index += 1
            }
            munmap(UnsafeMutableRawPointer(bitPattern: start), Int(end - start))
        }
        heldBytes.subtract(regions.reduce(0) { $0 + $1.byteCount }, ordering: .relaxed)
    }

    /// Note [The C heap after a clear]: the allocator's segments are mappings (Note [Mappings,
    /// not the C heap]), but a model's load and a job also use the C heap on the side (parsing
    /// the tokenizer, the engine's small host arrays), and glibc keeps what they freed in its
    /// arenas. Clearing the CPU's cache hands those free pages back too, so that after unload
    /// and clear the process's resident memory returns to where it was before the first load.
    public func releaseIdleMemory() {
        CHeap.releaseFreePages()
    }

    /// Whole pages (a zero-byte request still maps one).
    static func mappedLength(_ byteCount: Int) -> Int {
        max(pageSize, (byteCount + pageSize - 1) / pageSize * pageSize)
    }

    static let pageSize = max(alignment, sysconf(Int32(_SC_PAGESIZE)))

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

extension HostMemory: HostAccessibleMemory {
    public func fill(address: UInt, byteCount: Int, value: UInt8) {
        UnsafeMutableRawPointer(bitPattern: address)?.initializeMemory(as: UInt8.self, repeating: value, count: byteCount)
    }

    public func copyToHost(address: UInt, byteCount: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: byteCount))
    }
}
