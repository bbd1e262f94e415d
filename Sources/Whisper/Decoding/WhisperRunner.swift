/// What decoding needs from a Whisper model, and nothing more, so that the decoding rules can
/// be tested against a scripted fake and run unchanged on any device.
///
/// A runner encodes one 30-second window of log-mel features, then hands out decoders that
/// extend a token sequence one call at a time and return next-token logits.
public protocol WhisperRunner: Sendable {
    /// Vocabulary size: the length of every logits row.
    var vocabularySize: Int { get }
    /// Encodes one window: `features` is `melBins × 3000` floats, row-major (mel bin, frame).
    func encode(features: [Float], melBins: Int) throws -> any EncodedWindow
    /// The cross-attention heads whose attention follows the speech in time (the model's
    /// `alignment_heads`); nil when the model does not say, and then words cannot be timed.
    var alignmentHeads: [WhisperModelConfig.AlignmentHead]? { get }
}

extension WhisperRunner {
    public var alignmentHeads: [WhisperModelConfig.AlignmentHead]? { nil }
}

/// The encoder output of one window, from which any number of decoding passes start (one per
/// temperature tried).
public protocol EncodedWindow: AnyObject, Sendable {
    /// A new decoding pass with an empty key/value cache.
    func makeDecoder() throws -> any TokenDecoder
    /// Reads the decoder's cross-attention while it takes `tokens` in one call, for word
    /// alignment: see ``CrossAttentionReading``.
    func readCrossAttention(tokens: [Int], heads: [WhisperModelConfig.AlignmentHead], probabilityRows: Range<Int>,
                            textVocabulary: Int) throws -> CrossAttentionReading
}

extension EncodedWindow {
    public func readCrossAttention(tokens: [Int], heads: [WhisperModelConfig.AlignmentHead], probabilityRows: Range<Int>,
                                   textVocabulary: Int) throws -> CrossAttentionReading {
        throw WhisperError(.invalidOptions, "this model runner cannot time words")
    }
}

/// What word alignment reads from one decoder call over a whole sequence.
public struct CrossAttentionReading: Sendable {
    /// Per alignment head, the scores `q · kᵀ / √d` before the softmax, `[tokens, frames]`
    /// row-major over all the window's encoder frames.
    public var scores: [[Float]]
    /// Encoder frames per row (1500).
    public var frames: Int
    /// For each row `r` of `probabilityRows`, the probability of the token fed after it,
    /// `tokens[r + 1]`, over the text vocabulary only.
    public var probabilities: [Float]

    public init(scores: [[Float]], frames: Int, probabilities: [Float]) {
        self.scores = scores
        self.frames = frames
        self.probabilities = probabilities
    }
}

/// One decoding pass: feeds tokens, keeps its key/value cache, returns logits.
public protocol TokenDecoder: AnyObject {
    /// Appends `tokens` to the sequence (the first call passes the whole prompt) and returns
    /// the logits (unnormalised, `vocabularySize` each) predicted *after* each of the positions
    /// in `positions`, which index into the whole sequence fed so far and must lie within the
    /// tokens of this call. Decoding asks for the last position; the first call also asks for
    /// the start-of-transcript position, whose prediction gives the no-speech probability.
    func feed(_ tokens: [Int], logitsAt positions: [Int]) throws -> [[Float]]
}
