/// The stretches of input to transcribe, in mel frames, from `clip_timestamps` as
/// faster-whisper's `generate_segments` reads them.
public enum SeekClips {
    /// `start,end` pairs of frames: each time becomes `round(seconds * 100)` (half to even, as
    /// Python's `round`); no times means from 0; an odd count ends at `contentFrames`. Ends past
    /// the content are clipped later, when the clip is reached.
    public static func clips(from timestamps: [Double], contentFrames: Int) -> [(start: Int, end: Int)] {
        var points = timestamps.map { seconds in
            Int((seconds * Double(WhisperTiming.framesPerSecond)).rounded(.toNearestOrEven))
        }
        if points.isEmpty { points.append(0) }
        if points.count % 2 == 1 { points.append(contentFrames) }
        return stride(from: 0, to: points.count, by: 2).map { (start: points[$0], end: points[$0 + 1]) }
    }

    /// The frame language detection starts at: the first clip's start (truncated, as Python's
    /// `int`) if it lies within the content, else 0.
    public static func detectionStart(from timestamps: [Double], contentFrames: Int) -> Int {
        let frame = (timestamps.first ?? 0) * Double(WhisperTiming.framesPerSecond)
        return frame < Double(contentFrames) ? Int(frame.rounded(.towardZero)) : 0
    }
}
