/// One word of a segment with its time, as faster-whisper's `Word`.
public struct TimedWord: Sendable, Hashable, Codable {
    /// The word with its leading space and any punctuation merged into it (" Hello,").
    public var word: String
    /// Start time in seconds, rounded to 10 ms.
    public var start: Double
    /// End time in seconds, rounded to 10 ms.
    public var end: Double
    /// The mean probability of its tokens.
    public var probability: Double

    public init(word: String, start: Double, end: Double, probability: Double) {
        self.word = word
        self.start = start
        self.end = end
        self.probability = probability
    }
}
