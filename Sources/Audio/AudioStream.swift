/// A file being decoded to 16 kHz mono Float32, a chunk at a time.
///
/// Only one chunk (and the decoder's small buffers) is in memory at once, so a file of hours or
/// of hundreds of megabytes costs no more than a short one. Obtain one from `AudioDecoder.open`.
///
/// Reads block on file I/O (and, for ffmpeg, on the child process). The stream is not
/// thread-safe: use it from one task or thread at a time. It closes itself at the end of the audio
/// and when released; `close()` stops early (ending the ffmpeg process, if there is one).
public final class AudioStream {
    /// What the file is: container, encoding, rate, channels, duration, and which decoder reads it.
    public let source: AudioSourceInfo
    /// Things the user should know that did not stop decoding, such as a WAV whose data stops
    /// before its header says it should.
    public let warnings: [String]
    /// Samples handed out so far, at 16 kHz.
    public private(set) var framesRead = 0

    private let pipeline: MonoSource
    private var closed = false

    init(pipeline: MonoSource, source: AudioSourceInfo, warnings: [String]) {
        self.pipeline = pipeline
        self.source = source
        self.warnings = warnings
    }

    deinit { close() }

    /// The sample rate of everything this stream yields: always 16 000.
    public var sampleRate: Int { AudioDecoder.sampleRate }

    /// The source's length in seconds, when known (always for libsndfile; via ffprobe for ffmpeg).
    public var durationSeconds: Double? { source.durationSeconds }

    /// One line such as "WAV, 44100 Hz, 2 ch, 24-bit".
    public var sourceDescription: String { source.description }

    /// Returns the next samples: exactly `maxFrames` of them until the end of the audio, then
    /// whatever is left, then `[]` once everything has been read.
    public func read(maxFrames: Int) throws(AudioError) -> [Float] {
        precondition(maxFrames > 0, "maxFrames must be positive")
        var chunk = [Float](repeating: 0, count: maxFrames)
        let count = try chunk.withUnsafeMutableBufferPointer { (buffer) throws(AudioError) in try read(into: buffer) }
        if count < maxFrames { chunk.removeLast(maxFrames - count) }
        return chunk
    }

    /// Fills `buffer` with the next samples and returns how many were written: `buffer.count`
    /// until the end of the audio, then fewer, then 0. For callers that reuse one buffer.
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard !closed, !buffer.isEmpty else { return 0 }
        do {
            let count = try pipeline.read(into: buffer)
            framesRead += count
            if count < buffer.count { close() }
            return count
        } catch {
            close()
            throw error
        }
    }

    /// Stops decoding and releases the file or the ffmpeg process. Further reads return nothing.
    public func close() {
        guard !closed else { return }
        closed = true
        pipeline.close()
    }
}
