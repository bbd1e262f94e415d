/// One segment of a transcript, with the fields of faster-whisper's `Segment`.
public struct TranscriptSegment: Sendable, Hashable, Codable {
    /// 1-based position in the transcript.
    public var id: Int
    /// The mel frame at which the window that produced it started.
    public var seek: Int
    /// Start time in seconds.
    public var start: Double
    /// End time in seconds.
    public var end: Double
    /// The decoded text, with its leading space.
    public var text: String
    /// Its tokens, timestamps included.
    public var tokens: [Int]
    /// The temperature of the window's decoding.
    public var temperature: Double
    /// The window's average log-probability.
    public var avgLogProb: Double
    /// The window's compression ratio.
    public var compressionRatio: Double
    /// The window's no-speech probability.
    public var noSpeechProb: Double
    /// Its words with their times, when asked for (``DecodingOptions/wordTimestamps``).
    public var words: [TimedWord]?

    public init(id: Int, seek: Int, start: Double, end: Double, text: String, tokens: [Int],
                temperature: Double, avgLogProb: Double, compressionRatio: Double,
                noSpeechProb: Double, words: [TimedWord]? = nil) {
        self.words = words
        self.id = id
        self.seek = seek
        self.start = start
        self.end = end
        self.text = text
        self.tokens = tokens
        self.temperature = temperature
        self.avgLogProb = avgLogProb
        self.compressionRatio = compressionRatio
        self.noSpeechProb = noSpeechProb
    }
}
