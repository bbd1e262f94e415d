internal import CSndFile
import Synchronization

/// Decodes a file with libsndfile, a chunk at a time, and averages its channels to mono.
///
/// Samples come from `sf_readf_float` with libsndfile's default normalisation: integer PCM is
/// divided by 2^(bits-1), so 16-bit input becomes exactly `Int16 / 32768` (a power-of-two scale,
/// hence exact in Float32), which is what faster-whisper feeds its model. Mono input is passed
/// through untouched; only multi-channel input is averaged.
final class SndFileSource: MonoSource {
    /// Why libsndfile refused a file: its own words, for the error message.
    struct OpenFailure: Error {
        var reason: String
    }

    let sampleRate: Int
    let channels: Int
    let format: Int32
    /// The frame count libsndfile reports; for a file cut short, the frames actually present.
    let frames: Int64

    /// How messages name the file.
    private let name: String
    private var handle: OpaquePointer?
    /// Interleaved frames for multi-channel files, before averaging.
    private let interleaved: UnsafeMutableBufferPointer<Float>
    private static let chunkFrames = 4096

    /// `sf_open` reports failures through a process-wide error slot (`sf_error(NULL)`), so opens
    /// are serialised to keep one file's reason from being reported for another.
    private static let openLock = Mutex(())

    static func open(path: String, name: String) -> Result<SndFileSource, OpenFailure> {
        openLock.withLock { _ in
            var info = SF_INFO()
            guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
                return .failure(OpenFailure(reason: String(cString: sf_strerror(nil))))
            }
            guard info.channels > 0, info.samplerate > 0 else {
                sf_close(handle)
                return .failure(OpenFailure(reason: "header gives \(info.channels) channels at \(info.samplerate) Hz"))
            }
            return .success(SndFileSource(handle: handle, info: info, name: name))
        }
    }

    private init(handle: OpaquePointer, info: SF_INFO, name: String) {
        self.handle = handle
        self.name = name
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        format = info.format
        frames = info.frames
        interleaved = .allocate(capacity: channels > 1 ? Self.chunkFrames * channels : 0)
    }

    deinit {
        close()
        interleaved.deallocate()
    }

    /// The length in seconds, when libsndfile knows the frame count.
    var durationSeconds: Double? {
        // Formats without a frame count (a stream) report a huge sentinel rather than 0.
        frames > 0 && frames < Int64(Int32.max) * 1024 ? Double(frames) / Double(sampleRate) : nil
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let handle, let base = buffer.baseAddress else { return 0 }
        var produced = 0
        while produced < buffer.count {
            let remaining = buffer.count - produced
            let got: Int
            if channels == 1 {
                got = Int(sf_readf_float(handle, base + produced, sf_count_t(remaining)))
            } else {
                let want = min(Self.chunkFrames, remaining)
                got = Int(sf_readf_float(handle, interleaved.baseAddress, sf_count_t(want)))
                downmix(frames: got, into: base + produced)
            }
            if got <= 0 {
                let status = sf_error(handle)
                if status != 0 {
                    throw AudioError(.decodeFailed, "Decoding '\(name)' failed part-way (libsndfile: \(String(cString: sf_error_number(status))))")
                }
                close()  // the end: release the file now rather than when the stream is dropped
                break
            }
            produced += got
        }
        return produced
    }

    /// Averages each frame's channels (sum, then divide: the mean, in a fixed order).
    private func downmix(frames: Int, into output: UnsafeMutablePointer<Float>) {
        let divisor = Float(channels)
        for frame in 0..<frames {
            var sum: Float = 0
            let start = frame * channels
            for channel in 0..<channels { sum += interleaved[start + channel] }
            output[frame] = sum / divisor
        }
    }

    func close() {
        if let handle {
            sf_close(handle)
            self.handle = nil
        }
    }
}
