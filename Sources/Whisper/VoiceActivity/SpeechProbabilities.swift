/// The speech probability of every 512-sample chunk of one recording, computed as the audio
/// streams in, batch by batch, so that hours of audio cost only the probabilities (one float
/// per 32 ms: 900 KB for two hours).
///
/// It reproduces faster-whisper's `SileroVADModel.__call__` on the whole recording: the audio is
/// padded with zeros to whole chunks (always at least one sample of padding, so a recording of
/// exactly `k` chunks gets `k + 1`), each chunk is read with the last 64 samples of the chunk
/// before it (zeros for the first), and the LSTM state runs through the whole recording.
public struct SpeechProbabilities {
    /// Chunks per batch for a recording: about 33 s of audio, 6 MB of work for the largest
    /// product.
    public static let recordingBatch = 1024

    /// Chunks run together: `recordingBatch` for a file, 1 for a live stream (each 32 ms as it
    /// arrives).
    let batchChunks: Int
    let detector: SileroVAD
    /// Every chunk's probability so far.
    public private(set) var values: [Float] = []
    /// Samples appended so far.
    public private(set) var sampleCount = 0
    private var pending: [Float] = []
    private var context = [Float](repeating: 0, count: SileroVAD.contextSamples)
    private var state = [Float](repeating: 0, count: 2 * SileroVAD.hidden)

    public init(detector: SileroVAD, batchChunks: Int = recordingBatch) {
        self.detector = detector
        self.batchChunks = max(1, batchChunks)
    }

    /// Adds samples (16 kHz mono), running every full batch they complete.
    public mutating func append(_ samples: [Float]) throws {
        sampleCount += samples.count
        pending += samples
        let batch = batchChunks * SileroVAD.chunkSamples
        if pending.count >= batch {
            let whole = pending.count / batch * batch
            try run(pending[..<whole])
            pending.removeFirst(whole)
        }
    }

    /// The probabilities computed since the last call, handed over and forgotten (a live stream
    /// keeps none of them).
    public mutating func takeValues() -> [Float] {
        defer { values = [] }
        return values
    }

    /// Pads the last chunk and runs what is left; `values` then has `sampleCount / 512 + 1`
    /// probabilities.
    public mutating func finish() throws {
        let chunk = SileroVAD.chunkSamples
        pending += [Float](repeating: 0, count: chunk - pending.count % chunk)
        try run(pending[...])
        pending = []
    }

    private mutating func run(_ samples: ArraySlice<Float>) throws {
        let chunk = SileroVAD.chunkSamples, width = chunk + SileroVAD.contextSamples
        let count = samples.count / chunk
        guard count > 0 else { return }
        var input = [Float](repeating: 0, count: count * width)
        samples.withUnsafeBufferPointer { source in
            for index in 0..<count {
                let row = index * width
                input.replaceSubrange(row..<row + SileroVAD.contextSamples, with: context)
                let start = source.baseAddress! + index * chunk
                input.replaceSubrange(row + SileroVAD.contextSamples..<row + width, with: UnsafeBufferPointer(start: start, count: chunk))
                context = Array(UnsafeBufferPointer(start: start + chunk - SileroVAD.contextSamples, count: SileroVAD.contextSamples))
            }
        }
        values += try input.withUnsafeBufferPointer { try detector.probabilities(of: $0, count: count, state: &state) }
    }
}
