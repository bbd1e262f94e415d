import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drains a child process's pipe on its own thread and keeps the first `limit` bytes.
///
/// ffmpeg's stderr must be read while its stdout is: a corrupt file can make it print more than a
/// pipe holds (64 KiB), and a child blocked writing to stderr never finishes stdout. Only the start
/// is kept, because that is where the reason is; the rest is counted and dropped.
final class OutputCollector: @unchecked Sendable {
    // @unchecked: `bytes` and `dropped` are only touched under `lock`; `done` is thread-safe.
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var dropped = 0
    private let limit: Int
    private let done = DispatchSemaphore(value: 0)

    /// Starts reading `handle` until end of file.
    init(reading handle: FileHandle, limit: Int = 16 * 1024) {
        self.limit = limit
        let fd = handle.fileDescriptor
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let got = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
                if got < 0, errno == EINTR { continue }
                if got <= 0 { break }
                append(chunk[0..<got])
            }
            done.signal()
        }
        thread.name = "auris.audio.stderr"
        thread.start()
    }

    private func append(_ chunk: ArraySlice<UInt8>) {
        lock.withLock {
            let room = max(0, limit - bytes.count)
            bytes.append(contentsOf: chunk.prefix(room))
            dropped += max(0, chunk.count - room)
        }
    }

    /// Waits (up to `timeout` seconds) for the pipe to close and returns what was read, trimmed.
    /// The timeout covers a grandchild that inherited the pipe and keeps it open.
    func finish(timeout: Double = 5) -> String {
        _ = done.wait(timeout: .now() + timeout)
        return lock.withLock {
            var text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if dropped > 0 { text += "\n… (\(dropped) more bytes)" }
            return text
        }
    }
}
