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
}

/// The encoder output of one window, from which any number of decoding passes start (one per
/// temperature tried).
public protocol EncodedWindow: AnyObject, Sendable {
    /// A new decoding pass with an empty key/value cache.
    func makeDecoder() throws -> any TokenDecoder
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
