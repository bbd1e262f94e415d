/// Log-mel features of a whole recording, produced window by window as transcription seeks
/// through it, so that hours of audio never sit whole in memory.
///
/// Note [Two passes]: Whisper normalises every frame against the maximum over the *whole*
/// recording (`max(x, max − 8)`, then `(x + 4) / 4`). To give the same features as the
/// reference without keeping them all, the first pass streams the audio once to find that
/// maximum and the frame count; windows then recompute frames from a second stream. Decoding
/// audio twice costs far less than the model does, and memory stays flat in the input's length.
public final class StreamingFeatures: FeatureSource, @unchecked Sendable {
    // @unchecked: a transcription reads its windows from one task, in order; the stream state
    // is never shared between transcriptions.
    /// Frames per 30-second window.
    public static let windowFrames = 3_000

    public let melBins: Int
    /// Frames of the whole input: `samples / 160 + 1`, as the reference counts them.
    public let frameCount: Int
    /// Samples of the input.
    public let sampleCount: Int
    private let maximum: Float
    private let readChunk: () throws -> [Float]
    private var stream: LogMelStream
    /// Computed, not yet consumed frames (`melBins` each), starting at frame `retainedStart`.
    private var retained: [Float] = []
    private var retainedStart = 0

    /// - Parameter open: opens the audio afresh and returns a reader of 16 kHz mono chunks
    ///   (an empty chunk at the end); it is called twice.
    public init(melBins: Int, open: () throws -> () throws -> [Float]) throws {
        let filterbank = MelFilterbank(melBins: melBins)
        var first = LogMelStream(filterbank: filterbank)
        var maximum = -Float.infinity
        var samples = 0
        let reader = try open()
        func scan(_ stream: inout LogMelStream) {
            stream.drain { _, _, values in
                for value in values where value > maximum { maximum = value }
            }
        }
        while true {
            let chunk = try reader()
            if chunk.isEmpty { break }
            samples += chunk.count
            first.append(chunk)
            scan(&first)
        }
        first.finish()
        scan(&first)
        self.melBins = melBins
        self.frameCount = first.totalFrames ?? 0
        self.sampleCount = samples
        self.maximum = maximum
        self.readChunk = try open()
        self.stream = LogMelStream(filterbank: filterbank)
    }

    /// `melBins × 3000` normalised features for frames `[startFrame, startFrame + frameCount)`,
    /// zero-padded past `frameCount` (the reference's pad_or_trim). Windows must not move
    /// backwards: frames before `startFrame` are forgotten.
    public func window(startFrame: Int, frameCount: Int) throws -> [Float] {
        precondition(startFrame >= retainedStart, "feature windows must move forwards")
        let end = min(startFrame + frameCount, self.frameCount)
        while retainedStart + retained.count / melBins < end && !(stream.isFinished && stream.nextFrame >= self.frameCount) {
            let chunk = try readChunk()
            if chunk.isEmpty { stream.finish() } else { stream.append(chunk) }
            stream.drain { _, _, values in retained.append(contentsOf: values) }
        }
        let drop = min(startFrame - retainedStart, retained.count / melBins)
        if drop > 0 {
            retained.removeFirst(drop * melBins)
            retainedStart += drop
        }
        var output = [Float](repeating: 0, count: melBins * Self.windowFrames)
        let floor = maximum - 8
        for frame in 0..<max(0, min(end - startFrame, Self.windowFrames)) {
            let base = (startFrame - retainedStart + frame) * melBins
            for bin in 0..<melBins {
                output[bin * Self.windowFrames + frame] = (max(retained[base + bin], floor) + 4) / 4
            }
        }
        return output
    }
}
