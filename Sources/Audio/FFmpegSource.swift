import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes any file ffmpeg reads by running `ffmpeg ... -f f32le -ac 1 -ar 16000 -` and reading its
/// stdout as it arrives, so that memory stays flat however long the file is.
///
/// ffmpeg does the downmix and the resampling here (libswresample, as faster-whisper's PyAV does).
/// The first chunk is read by `prime()` while the file is being opened, so that "not audio" and
/// "no audio track" are thrown by `AudioDecoder.open` rather than by the first `read`.
final class FFmpegSource: MonoSource {
    let sampleRate = AudioDecoder.sampleRate
    private let process: Process
    private let stdout: FileHandle
    private let stderr: OutputCollector
    private let path: String
    private let name: String
    private let signature: FileSignature
    private let sampleFormat: AudioDecoder.FFmpegSampleFormat
    /// Samples read by `prime()` and not yet handed out.
    private var primed: [Float] = []
    private var primedStart = 0
    private var ended = false
    private var closed = false
    private var total = 0
    /// Where `.int16` output lands before conversion to Float; allocated on first use.
    private var int16Scratch: UnsafeMutableBufferPointer<Int16>?

    init(
        executable: String, path: String, name: String, signature: FileSignature,
        sampleFormat: AudioDecoder.FFmpegSampleFormat
    ) throws(AudioError) {
        self.path = path
        self.name = name
        self.signature = signature
        self.sampleFormat = sampleFormat
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // "file:" keeps ffmpeg from reading a name such as "a:b.mp3" as a protocol; "-map 0:a:0"
        // takes the first audio stream, as faster-whisper does, and fails when there is none.
        process.arguments = [
            "-nostdin", "-hide_banner", "-v", "error", "-i", "file:" + path, "-map", "0:a:0",
            "-f", sampleFormat.ffmpegName, "-ac", "1", "-ar", String(AudioDecoder.sampleRate), "-",
        ]
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw AudioError(.ffmpegFailed, "Could not start ffmpeg (\(executable)) to decode '\(name)': \(error.localizedDescription)")
        }
        stdout = out.fileHandleForReading
        stderr = OutputCollector(reading: err.fileHandleForReading)
    }

    deinit {
        close()
        int16Scratch?.deallocate()
    }

    /// Reads the first chunk now, so that ffmpeg's refusal surfaces while the file is opened.
    func prime() throws(AudioError) {
        var first = [Float](repeating: 0, count: 4096)
        let count = try first.withUnsafeMutableBufferPointer { (buffer) throws(AudioError) in try readFromPipe(into: buffer) }
        primed = Array(first[0..<count])
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        var produced = min(buffer.count, primed.count - primedStart)
        if produced > 0 {
            for i in 0..<produced { buffer[i] = primed[primedStart + i] }
            primedStart += produced
            if primedStart == primed.count { primed = []; primedStart = 0 }
        }
        if produced < buffer.count {
            produced += try readFromPipe(into: UnsafeMutableBufferPointer(rebasing: buffer[produced...]))
        }
        return produced
    }

    /// Fills `buffer` from ffmpeg's stdout; at the end, reaps ffmpeg and throws if it failed.
    private func readFromPipe(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard !ended, let base = buffer.baseAddress else { return 0 }
        var count = 0
        switch sampleFormat {
        case .float32:
            // ffmpeg writes Float32 in the host's byte order (see `ffmpegName`): read straight into place.
            let bytes = try readBytes(into: UnsafeMutableRawPointer(base), count: buffer.count * 4)
            count = bytes / 4
        case .int16:
            let scratch = int16Scratch ?? .allocate(capacity: 8192)
            int16Scratch = scratch
            while count < buffer.count {
                let want = min(scratch.count, buffer.count - count)
                let bytes = try readBytes(into: UnsafeMutableRawPointer(scratch.baseAddress!), count: want * 2)
                for i in 0..<bytes / 2 { buffer[count + i] = Float(Int16(littleEndian: scratch[i])) / 32768 }
                count += bytes / 2
                if bytes < want * 2 { break }
            }
        }
        total += count
        if count < buffer.count {
            ended = true
            try finish()
        }
        return count
    }

    /// Reads until `count` bytes arrive or the pipe reaches end of file.
    private func readBytes(into destination: UnsafeMutableRawPointer, count: Int) throws(AudioError) -> Int {
        var filled = 0
        while filled < count {
            let got = posixRead(stdout.fileDescriptor, destination + filled, count - filled)
            if got < 0, errno == EINTR { continue }
            if got < 0 {
                throw AudioError(.decodeFailed, "Reading ffmpeg's output for '\(name)' failed: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    /// Waits for ffmpeg to exit and turns a failure, or an output with no samples, into an error.
    private func finish() throws(AudioError) {
        process.waitUntilExit()
        closed = true
        try? stdout.close()
        let message = stderr.finish().replacingOccurrences(of: "file:" + path, with: name)
        if process.terminationReason == .uncaughtSignal {
            throw AudioError(.ffmpegFailed, "ffmpeg was killed by signal \(process.terminationStatus) while decoding '\(name)'")
        }
        if process.terminationStatus != 0 {
            throw FFmpegFailure.classify(
                stderr: message, status: process.terminationStatus, name: name, signature: signature, producedAudio: total > 0)
        }
        if total == 0 {
            throw AudioError(.empty, "'\(name)' contains no audio samples (ffmpeg decoded it to nothing)")
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        // Stopping early: SIGTERM ends ffmpeg even while it is still probing and not yet writing.
        if process.isRunning { process.terminate() }
        try? stdout.close()
        process.waitUntilExit()
        _ = stderr.finish(timeout: 1)
    }
}
