#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes that a `ModelFile` and its variables point into: either a private read-only
/// memory mapping of a file, or (for bytes handed over in memory) a heap copy.
///
/// The bytes are never written after initialisation and are released only when the last owner
/// (the `ModelFile` or any `ModelVariable` taken from it) goes away, so sharing it across
/// threads is safe.
final class ModelBytes: @unchecked Sendable {
    enum Backing {
        case mapped(length: Int)
        case heap
        case empty
    }

    let bytes: UnsafeRawBufferPointer
    private let backing: Backing

    /// Maps `path` read-only. Throws `missingFile` when it does not exist and `unreadableFile`
    /// when it is not a regular file or cannot be opened or mapped.
    init(mapping path: String) throws(WhisperError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw WhisperError(.missingFile, "\(path) does not exist")
            }
            throw WhisperError(.unreadableFile, "cannot open \(path): \(Self.describe(code))")
        }
        defer { _ = close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw WhisperError(.unreadableFile, "cannot inspect \(path): \(Self.describe(errno))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw WhisperError(.unreadableFile, "\(path) is not a regular file")
        }
        let length = Int(status.st_size)
        if length == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            backing = .empty
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != MAP_FAILED
        else {
            throw WhisperError(.unreadableFile, "cannot memory-map \(path) (\(length) bytes): \(Self.describe(errno))")
        }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(address), count: length)
        backing = .mapped(length: length)
    }

    /// Copies `source` into 64-byte-aligned heap memory.
    init(copying source: UnsafeRawBufferPointer) {
        if source.isEmpty {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            backing = .empty
            return
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: source.count, alignment: 64)
        storage.copyMemory(from: source.baseAddress!, byteCount: source.count)
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(storage), count: source.count)
        backing = .heap
    }

    /// Tells the kernel the pages under `range` will not be needed soon: for a mapping of the
    /// file, they leave this process's resident memory (they stay in the page cache, and are
    /// read back if touched again). Heap copies are left alone.
    func releasePages(_ range: UnsafeRawBufferPointer) {
        guard isMemoryMapped, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: start) / page * page
        let end = (Int(bitPattern: start) + range.count + page - 1) / page * page
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED)
    }

    var isMemoryMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    deinit {
        switch backing {
        case .mapped(let length):
            _ = munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), length)
        case .heap:
            bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        case .empty:
            break
        }
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
