/// The log-mel features of a whole input, handed out one 30-second window at a time.
///
/// `frameCount` must be the number of frames faster-whisper's `FeatureExtractor` returns for the
/// input: called as `feature_extractor(audio, chunk_length=None)` by `transcribe()`, i.e. with
/// `padding=160`, which for `N` samples gives `N / 160 + 1` frames (integer division; see
/// `WhisperTiming.featureFrameCount`). Transcription treats the last of them as padding:
/// `content_frames = frameCount - 1 = N / 160`. Language detection does read it (it slices the
/// features without that correction), which is why the full count is asked for here.
public protocol FeatureSource: Sendable {
    /// Mel bins per frame (80, or 128 for large-v3).
    var melBins: Int { get }
    /// Frames of the whole input, the trailing padding frame included (see above).
    var frameCount: Int { get }
    /// Frames `startFrame ..< startFrame + frameCount` as `melBins × 3000` floats, row-major
    /// (bin, frame), zero-filled after the requested frames like faster-whisper's `pad_or_trim`.
    /// The range always lies within `0 ..< self.frameCount`.
    func window(startFrame: Int, frameCount: Int) throws -> [Float]
    /// The loudest moment of those frames in dB below full scale (dBFS), or nil when the source
    /// cannot tell (then no window is skipped as silent).
    func peakLevel(startFrame: Int, frameCount: Int) -> Double?
}

extension FeatureSource {
    public func peakLevel(startFrame: Int, frameCount: Int) -> Double? { nil }

    /// The frames decoding transcribes (`content_frames`).
    public var contentFrames: Int { max(frameCount - 1, 0) }
}
