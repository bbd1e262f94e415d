/// How far a transcription has got.
public struct TranscriptionProgress: Sendable, Hashable, Codable {
    /// Seconds of input behind the current seek position.
    public var processedSeconds: Double
    /// Seconds of input in all (`content_frames * 0.01`).
    public var totalSeconds: Double

    public init(processedSeconds: Double, totalSeconds: Double) {
        self.processedSeconds = processedSeconds
        self.totalSeconds = totalSeconds
    }

    /// Between 0 and 1 (1 for an empty input).
    public var fraction: Double {
        totalSeconds > 0 ? min(max(processedSeconds / totalSeconds, 0), 1) : 1
    }
}

/// What a transcription reports while it runs, in order: the language first, then segments
/// and progress as windows are decoded.
public enum TranscriptionEvent: Sendable, Hashable {
    /// The language used (given or detected), before any segment.
    case language(LanguageDetection)
    /// A finished segment.
    case segment(TranscriptSegment)
    /// Progress after each window.
    case progress(TranscriptionProgress)
}

/// The summary of a finished transcription.
public struct TranscriptionInfo: Sendable, Hashable {
    /// The language used for the first window.
    public var language: LanguageDetection
    /// Seconds of input decoding saw (`content_frames * 0.01`; faster-whisper's
    /// `info.duration` is `samples / 16000`, which can be up to 0.01 s longer).
    public var contentDuration: Double
    /// The options it ran with.
    public var options: DecodingOptions
}
