/// The fixed geometry of Whisper's input and output, with faster-whisper's names in the
/// comments so that the arithmetic of `generate_segments` can be checked line by line.
///
/// Times are computed in `Double` exactly as Python computes them (`seek * 0.01`,
/// `offset + position * 0.02`) so that segment boundaries compare equal, not just close.
public enum WhisperTiming {
    /// Audio samples per second (`sampling_rate`).
    public static let sampleRate = 16_000
    /// Samples between two mel frames (`hop_length`).
    public static let hopLength = 160
    /// Mel frames per 30-second window (`nb_max_frames` = `n_samples // hop_length`).
    public static let framesPerWindow = 3_000
    /// Mel frames per second (`frames_per_second` = `sampling_rate // hop_length`).
    public static let framesPerSecond = 100
    /// Seconds per mel frame (`time_per_frame` = `hop_length / sampling_rate`).
    public static let secondsPerFrame: Double = Double(hopLength) / Double(sampleRate)
    /// Mel frames per encoder output position (`input_stride`): a timestamp step is two frames.
    public static let inputStride = 2
    /// Seconds per timestamp token step (`time_precision`).
    public static let timestampPrecision: Double = 0.02
    /// The decoder's context: prompt plus generated tokens (`max_length`).
    public static let maxTokens = 448

    /// The number of mel frames faster-whisper's `FeatureExtractor` produces for `samples`
    /// samples with its defaults (`padding=160`, centred STFT, last frame dropped):
    /// `samples / 160 + 1`. Decoding treats one frame less than this as content.
    public static func featureFrameCount(samples: Int) -> Int {
        samples / hopLength + 1
    }
}
