/// One stage of decoding: something that yields mono Float32 samples at `sampleRate`.
///
/// The decoders (libsndfile, ffmpeg) and the resampler all have this shape, so `AudioStream`
/// chains them without knowing which it holds.
protocol MonoSource: AnyObject {
    /// Samples per second of what `read` yields.
    var sampleRate: Int { get }

    /// Fills `buffer` and returns how many samples were written. Fewer than `buffer.count` only at
    /// the end of the audio, and 0 only when nothing is left, so callers can rely on full chunks.
    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int

    /// Releases the file, the child process or the converter. Safe to call more than once.
    func close()
}
