#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks made before any decoder sees a file, so that "not found", "a directory", "no
/// permission" and "zero bytes" get their own messages instead of a decoder's guess.
enum FileCheck {
    /// Returns the file's size and its first bytes (for `FileSignature`), or the error that stops it.
    static func inspect(path: String, name: String) throws(AudioError) -> (size: Int, prefix: [UInt8]) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == ENOENT || errno == ENOTDIR {
                throw AudioError(.fileNotFound, "'\(name)' does not exist")
            }
            throw AudioError(.unreadable, "'\(name)' cannot be read: \(reason)")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw AudioError(.unreadable, "'\(name)' is a directory, not an audio file")
        }
        // libsndfile needs to seek, and a FIFO or device has no size to check for emptiness.
        guard type == S_IFREG else {
            throw AudioError(.unreadable, "'\(name)' is not a regular file (a pipe or device); save the audio to a file first")
        }
        let size = Int(info.st_size)
        if size == 0 {
            throw AudioError(.empty, "'\(name)' is empty (0 bytes); the upload or recording may have failed")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw AudioError(.unreadable, "'\(name)' cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: min(size, FileSignature.prefixLength))
        let got = prefix.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
        guard got >= 0 else {
            throw AudioError(.unreadable, "'\(name)' cannot be read: \(String(cString: strerror(errno)))")
        }
        return (size, Array(prefix[0..<got]))
    }
}
