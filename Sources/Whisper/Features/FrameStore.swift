#if canImport(Glibc)
import Glibc
#endif

/// The log-mel frames of one recording, written once by the first pass and read back window by
/// window: in memory while they are few, then in a temporary file, so that hours of audio take no
/// more memory than minutes.
///
/// Note [Spilled frames]: a frame is `melBins` floats (320 bytes for 80 bins), half the bytes of
/// the 160 samples it stands for, so keeping frames rather than samples also spares the second
/// FFT. The file is unlinked as soon as it is created: it has no name to leak, and its blocks go
/// back to the file system when the store is released, even after `kill -9`.
final class FrameStore {
    let frameWidth: Int
    private(set) var frameCount = 0
    private let memoryLimitFrames: Int
    private let directory: String
    private var memory: [Float] = []
    private var file: Int32 = -1

    /// - Parameters:
    ///   - memoryLimitBytes: frames beyond this many bytes go to a file in `directory`.
    init(frameWidth: Int, memoryLimitBytes: Int, directory: String) {
        self.frameWidth = frameWidth
        self.memoryLimitFrames = max(0, memoryLimitBytes / (frameWidth * MemoryLayout<Float>.stride))
        self.directory = directory
    }

    deinit { if file >= 0 { Glibc.close(file) } }

    /// Whether the frames live in a file (for tests and diagnostics).
    var isSpilled: Bool { file >= 0 }

    /// Appends whole frames (`values.count` a multiple of `frameWidth`).
    func append(_ values: UnsafeBufferPointer<Float>) throws(WhisperError) {
        precondition(values.count % frameWidth == 0, "a partial frame")
        let frames = values.count / frameWidth
        if file < 0 && frameCount + frames > memoryLimitFrames {
            try spill()
        }
        if file >= 0 {
            try write(UnsafeRawBufferPointer(values), at: frameCount * frameWidth * MemoryLayout<Float>.stride)
        } else {
            memory.append(contentsOf: values)
        }
        frameCount += frames
    }

    /// Copies frames `range` into `destination` (`range.count × frameWidth` floats).
    func read(_ range: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws(WhisperError) {
        precondition(range.lowerBound >= 0 && range.upperBound <= frameCount && destination.count >= range.count * frameWidth)
        let count = range.count * frameWidth, first = range.lowerBound * frameWidth
        guard file >= 0 else {
            memory.withUnsafeBufferPointer { destination.baseAddress!.update(from: $0.baseAddress! + first, count: count) }
            return
        }
        let bytes = UnsafeMutableRawBufferPointer(start: destination.baseAddress, count: count * MemoryLayout<Float>.stride)
        var done = 0
        while done < bytes.count {
            let n = pread(file, bytes.baseAddress! + done, bytes.count - done, off_t(first * MemoryLayout<Float>.stride + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw storageError("read back", errno: n < 0 ? errno : EIO) }
            done += n
        }
    }

    private func spill() throws(WhisperError) {
        var template = Array("\(directory)/auris-frames-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw storageError("create a file in \(directory) for", errno: errno) }
        unlink(String(cString: template))
        file = descriptor
        let held = memory
        memory = []
        let bytes = held.withUnsafeBytes { $0 }  // valid while `held` lives (to the end of this call)
        try write(bytes, at: 0)
        withExtendedLifetime(held) {}
    }

    private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(WhisperError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(file, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw storageError("write", errno: n < 0 ? errno : EIO) }
            done += n
        }
    }

    private func storageError(_ what: String, errno code: Int32) -> WhisperError {
        WhisperError(.featureStorage,
            "could not \(what) the features of a long recording: \(String(cString: strerror(code))); set TMPDIR to a directory with free space")
    }
}
