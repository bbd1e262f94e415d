import Foundation

/// Log-mel features of a whole recording, computed in one pass over the audio and handed out
/// one 30-second window at a time as transcription seeks through it.
///
/// Note [One pass]: Whisper normalises every frame against the maximum over the *whole*
/// recording (`max(x, max − 8)`, then `(x + 4) / 4`). So no window can be finished before the
/// audio has been read to its end. The audio is decoded (and resampled) once; the raw log10
/// frames go to a `FrameStore` — memory for short recordings, an unlinked temporary file for long
/// ones (Note [Spilled frames]) — and each window is normalised as it is read back. Memory stays
/// flat in the input's length, and nothing is decoded or resampled twice.
public final class StreamingFeatures: FeatureSource, @unchecked Sendable {
    // @unchecked: a transcription reads its windows from one task, in order; the store is never
    // shared between transcriptions.
    /// Frames per 30-second window.
    public static let windowFrames = 3_000
    /// Frames up to this many bytes stay in memory (about 5 minutes of audio at 80 bins).
    public static let defaultMemoryLimitBytes = 10 << 20

    public let melBins: Int
    /// Frames of the whole input: `samples / 160 + 1`, as the reference counts them.
    public let frameCount: Int
    /// Samples of the input.
    public let sampleCount: Int
    private let maximum: Float
    private let store: FrameStore
    private let loudness: FrameLoudness

    /// Reads the audio to its end through `readChunk` (16 kHz mono chunks, an empty chunk at the
    /// end), keeping the log-mel frames for the windows.
    ///
    /// - Parameters:
    ///   - memoryLimitBytes: frames beyond this go to a temporary file in `temporaryDirectory`.
    public init(melBins: Int, memoryLimitBytes: Int = defaultMemoryLimitBytes,
                temporaryDirectory: String = FileManager.default.temporaryDirectory.path,
                readChunk: () throws -> [Float]) throws {
        let store = FrameStore(frameWidth: melBins, memoryLimitBytes: memoryLimitBytes, directory: temporaryDirectory)
        var stream = LogMelStream(filterbank: MelFilterbank(melBins: melBins))
        var maximum = -Float.infinity
        var loudness = FrameLoudness()
        var samples = 0
        var storageError: (any Error)?
        func keep(_ stream: inout LogMelStream) throws {
            stream.drain { first, count, values in
                for value in values where value > maximum { maximum = value }
                loudness.record(first: first, count: count, melBins: melBins, values: values)
                do { try store.append(values) } catch { storageError = storageError ?? error }
            }
            if let storageError { throw storageError }
        }
        while true {
            let chunk = try readChunk()
            if chunk.isEmpty { break }
            samples += chunk.count
            stream.append(chunk)
            try keep(&stream)
        }
        stream.finish()
        try keep(&stream)
        self.melBins = melBins
        self.frameCount = stream.totalFrames ?? 0
        self.sampleCount = samples
        self.maximum = maximum
        self.store = store
        self.loudness = loudness
    }

    /// The loudest moment of frames `startFrame ..< startFrame + frameCount`, in dB below a
    /// full-scale signal (Note [Silent windows]); rounded up to whole seconds.
    public func peakLevel(startFrame: Int, frameCount: Int) -> Double? {
        let loudest = loudness.loudest(in: startFrame..<min(startFrame + frameCount, self.frameCount))
        return loudest == -.infinity ? -.infinity : Double(loudest - Self.fullScaleLogMel) * 10
    }

    /// The raw log10 mel power of a full-scale (0 dBFS) signal's loudest band, measured on
    /// speech and white noise alike (each 10 dB quieter lowers it by 1).
    static let fullScaleLogMel: Float = 1.5

    /// Whether the frames went to a temporary file (the recording was long).
    public var isSpilledToDisk: Bool { store.isSpilled }

    /// `melBins × 3000` normalised features for frames `[startFrame, startFrame + frameCount)`,
    /// zero-padded past `frameCount` (the reference's pad_or_trim).
    public func window(startFrame: Int, frameCount: Int) throws -> [Float] {
        let end = min(startFrame + frameCount, self.frameCount, startFrame + Self.windowFrames)
        let frames = max(0, end - startFrame)
        var raw = [Float](repeating: 0, count: frames * melBins)
        if frames > 0 {
            try raw.withUnsafeMutableBufferPointer { try store.read(startFrame..<end, into: $0) }
        }
        var output = [Float](repeating: 0, count: melBins * Self.windowFrames)
        let floor = maximum - 8
        for frame in 0..<frames {
            let base = frame * melBins
            for bin in 0..<melBins {
                output[bin * Self.windowFrames + frame] = (max(raw[base + bin], floor) + 4) / 4
            }
        }
        return output
    }
}
