/// Turns a stream of 16 kHz samples into log-mel frames, frame for frame what faster-whisper's
/// FeatureExtractor computes over the whole signal, while holding only a few hundred samples.
///
/// The reference appends 160 zero samples, reflect-pads 200 samples on each side, frames every
/// 160 samples and drops the last frame; so N samples give `N / 160 + 1` frames. Frame `f` covers
/// padded-signal samples `[160 f − 200, 160 f + 200)`, reflected at both ends.
struct LogMelStream {
    let filterbank: MelFilterbank
    /// Samples of the zero-extended signal from index `bufferStart` on.
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var received = 0
    private(set) var isFinished = false
    private(set) var nextFrame = 0

    init(filterbank: MelFilterbank) { self.filterbank = filterbank }

    mutating func append(_ samples: [Float]) {
        precondition(!isFinished, "samples after the end of the stream")
        buffer += samples
        received += samples.count
    }

    /// Marks the end of the audio (appending the reference's 160 zero samples).
    mutating func finish() {
        append([Float](repeating: 0, count: MelFilterbank.hopLength))
        isFinished = true
    }

    /// All frames, once finished.
    var totalFrames: Int? { isFinished ? received / MelFilterbank.hopLength : nil }

    /// Computes every frame whose samples have arrived and passes them to `sink` in order:
    /// (first frame index, frame count, `count × melBins` log10 values).
    mutating func drain(_ sink: (Int, Int, UnsafeBufferPointer<Float>) -> Void) {
        let hop = MelFilterbank.hopLength, half = MelFilterbank.fftSize / 2
        let limit = totalFrames ?? (received < half ? 0 : (received - half) / hop + 1)
        guard limit > nextFrame else { return }
        let count = limit - nextFrame, first = nextFrame
        let length = received, start = bufferStart
        var output = [Float](repeating: 0, count: count * filterbank.melBins)
        buffer.withUnsafeBufferPointer { samples in
            output.withUnsafeMutableBufferPointer { out in
                filterbank.logMel(frameCount: count, sample: { frame, offset in
                    let index = Self.reflect((first + frame) * hop - half + offset, length: length)
                    return samples[index - start]
                }, into: out.baseAddress!)
            }
        }
        nextFrame = limit
        output.withUnsafeBufferPointer { sink(first, count, $0) }
        // Keep only what later frames (and the end reflection) can still need.
        let keepFrom = max(0, nextFrame * hop - half)
        if keepFrom - bufferStart > 65_536 {
            buffer.removeFirst(keepFrom - bufferStart)
            bufferStart = keepFrom
        }
    }

    /// numpy's "reflect" padding: mirror without repeating the edge sample, repeatedly.
    @inline(__always)
    static func reflect(_ index: Int, length: Int) -> Int {
        if index >= 0 && index < length { return index }
        if length == 1 { return 0 }
        let period = 2 * (length - 1)
        var folded = index % period
        if folded < 0 { folded += period }
        return folded < length ? folded : period - folded
    }
}
