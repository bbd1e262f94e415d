import Foundation

/// Live recognition of audio as it arrives: partial hypotheses while someone speaks, final
/// segments that never change once sent.
///
/// Note [Live recognition]: the detector (Silero VAD, one 32 ms chunk at a time) cuts the stream
/// into utterances: speech starts at the first chunk at or above the threshold (with some audio
/// before it kept), and ends after `endSilenceMs` of silence. While an utterance lasts, every
/// `partialIntervalMs` of new audio its whole buffer is decoded again (one Whisper window, greedy,
/// temperature 0) and sent as a partial, with the words that the last two partials agree on marked
/// stable (LocalAgreement-2). When the utterance ends, the buffer is decoded once more, with the
/// usual temperature fallback, and its segments are final (decoded with the audio before it as
/// context: Note [Finals with context]). An utterance that runs past
/// `longestUtteranceSeconds` without a pause would outgrow the 30 s window: its leading segments
/// become final as soon as two consecutive hypotheses agree on them (the same text), and the
/// buffer then starts where they end; at 25 s everything but the last segment is made final
/// regardless. Audio more than `contextSeconds` before the open utterance is dropped, so finals
/// never change and memory stays bounded (at most 40 s of samples) however long the stream.
///
/// Not thread-safe: one stream, one caller at a time. Decoding is synchronous and takes the
/// caller's thread for as long as a window takes; run it off the cooperative pool.
public final class LiveRecognizer {
    public struct Settings: Sendable, Hashable {
        /// Language, task, hotwords, prompt; temperatures for the final pass.
        public var decoding: DecodingOptions
        /// A chunk with this speech probability or more is speech.
        public var threshold: Double = 0.5
        /// Silence that ends an utterance.
        public var endSilenceMs: Int = 500
        /// Audio kept before the first speech chunk (and after the last).
        public var speechPadMs: Int = 500
        /// New audio that triggers a partial hypothesis.
        public var partialIntervalMs: Int = 500
        /// Past this, agreed segments become final before the utterance ends.
        public var longestUtteranceSeconds: Double = 20
        /// Characters of the finals so far given as the next utterance's prompt.
        public var promptCharacters: Int = 200
        /// Audio before an utterance decoded with it for its final, as context (its words are
        /// not sent again); 0 decodes the utterance alone, with the prompt.
        public var contextSeconds: Double = 10

        public init(decoding: DecodingOptions = DecodingOptions()) {
            self.decoding = decoding
        }

        /// Why these settings cannot be used, or nil.
        public var problem: String? {
            if !(threshold > 0 && threshold < 1) { return "the speech threshold must lie between 0 and 1" }
            if endSilenceMs < 100 || endSilenceMs > 10_000 { return "the end silence must be 100 to 10,000 ms" }
            if partialIntervalMs < 100 || partialIntervalMs > 10_000 { return "the partial interval must be 100 to 10,000 ms" }
            if speechPadMs < 0 || speechPadMs > 2_000 { return "the speech pad must be 0 to 2,000 ms" }
            if !(contextSeconds >= 0 && contextSeconds <= 20) { return "the context must be 0 to 20 s" }
            return nil
        }
    }

    /// A hypothesis for the speech since the last final: it may still change.
    public struct Partial: Sendable, Hashable {
        /// Where the hypothesis starts and ends in the stream, in seconds.
        public var start: Double
        public var end: Double
        public var text: String
        /// The leading words this hypothesis and the one before it agree on.
        public var stableText: String
    }

    public enum Event: Sendable, Hashable {
        case partial(Partial)
        /// A segment, its times in seconds from the start of the stream; it never changes.
        case final(TranscriptSegment)
    }

    static let sampleRate = 16_000
    /// Whisper reads 30 s at most; past 25 s the utterance is cut whatever the agreement.
    static let forcedCutSeconds = 25.0

    public let settings: Settings
    let engine: WhisperEngine
    private var probabilities: SpeechProbabilities
    /// Samples `[audioStart, audioStart + audio.count)` of the stream.
    private var audio: [Float] = []
    private var audioStart = 0
    /// Samples received.
    public private(set) var sampleCount = 0
    /// Chunks whose probability has been read.
    private var chunksSeen = 0
    /// Where the current utterance's buffer starts; nil between utterances.
    private var utteranceStart: Int?
    /// The chunk where the silence now ending the utterance began.
    private var silenceStart: Int?
    /// The end of the audio at the last decode (for the partial interval).
    private var lastDecodeEnd = 0
    /// Where the last final ended: audio before it is never decoded again.
    private var committedEnd = 0
    private var previousSegments: [TranscriptSegment] = []
    private var previousWords: [Substring] = []
    private var committedText = ""
    private var nextSegmentID = 0
    /// Seconds of audio decoded (partials and finals): the stream's work, for its job record.
    public private(set) var decodedSeconds = 0.0

    public init(engine: WhisperEngine, settings: Settings) throws {
        if let problem = settings.problem { throw WhisperError(.invalidOptions, problem) }
        self.engine = engine
        self.settings = settings
        probabilities = SpeechProbabilities(detector: try engine.loadSpeechDetector(), batchChunks: 1)
    }

    /// Whether someone is speaking (an utterance is open).
    public var inUtterance: Bool { utteranceStart != nil }

    /// Takes more 16 kHz mono samples; returns what they decided.
    public func append(_ samples: [Float]) throws -> [Event] {
        audio += samples
        sampleCount += samples.count
        try probabilities.append(samples)
        var events: [Event] = []
        let chunk = SileroVAD.chunkSamples, pad = settings.speechPadMs * Self.sampleRate / 1000
        let endSilenceChunks = max(1, settings.endSilenceMs * Self.sampleRate / 1000 / chunk)
        let threshold = Float(settings.threshold), negative = Float(max(settings.threshold - 0.15, 0.01))
        for probability in probabilities.takeValues() {
            let index = chunksSeen
            chunksSeen += 1
            if utteranceStart == nil {
                guard probability >= threshold else { continue }
                utteranceStart = max(committedEnd, index * chunk - pad, audioStart)
                silenceStart = nil
                lastDecodeEnd = index * chunk
                continue
            }
            if probability >= threshold {
                silenceStart = nil
            } else if probability < negative && silenceStart == nil {
                silenceStart = index
            }
            if let silence = silenceStart, index + 1 - silence >= endSilenceChunks {
                events += try finishUtterance(at: min(silence * chunk + pad, (index + 1) * chunk))
            }
        }
        if let start = utteranceStart, sampleCount - lastDecodeEnd >= settings.partialIntervalMs * Self.sampleRate / 1000 {
            events += try hypothesize(from: start)
        }
        // Kept: the open utterance, or the pad before the next, and the context before either.
        dropAudio(before: (utteranceStart ?? max(committedEnd, sampleCount - pad)) - Int(settings.contextSeconds * Double(Self.sampleRate)))
        return events
    }

    /// The end of the stream: the open utterance, if any, becomes final.
    public func finish() throws -> [Event] {
        guard utteranceStart != nil else { return [] }
        return try finishUtterance(at: sampleCount)
    }

    // MARK: Decoding

    private func finishUtterance(at end: Int) throws -> [Event] {
        guard let start = utteranceStart else { return [] }
        defer {
            utteranceStart = nil
            silenceStart = nil
            previousSegments = []
            previousWords = []
            committedEnd = max(committedEnd, end)
        }
        guard end > start else { return [] }
        // Note [Finals with context]: the utterance is decoded with up to `contextSeconds` of
        // the audio before it (Whisper hears more of the speaker, as in a 30 s window offline),
        // and only the words whose middle lies after its start are kept; word timestamps place
        // them, and the boundary lies in the silence that ended the utterance before.
        let context = max(audioStart, start - Int(settings.contextSeconds * Double(Self.sampleRate)),
                          end - Int(Self.forcedCutSeconds + 3) * Self.sampleRate)
        guard context < start else { return commit(try decode(from: start, to: end, options: settings.decoding)) }
        var options = settings.decoding
        options.wordTimestamps = true
        let decoded = try decode(from: context, to: end, options: options, prompted: false)
        let kept = Self.words(of: decoded, after: Double(start) / Double(Self.sampleRate), keepWords: settings.decoding.wordTimestamps)
        // Whisper may stop after the context's speech and skip the rest of its window: then the
        // utterance is decoded alone, as without context.
        let speechEnd = Double(end - settings.speechPadMs * Self.sampleRate / 1000) / Double(Self.sampleRate)
        guard let last = kept.last, last.end >= speechEnd - 1.5 else {
            return commit(try decode(from: start, to: end, options: settings.decoding))
        }
        return commit(kept)
    }

    /// The parts of `segments` whose words lie (by their middle) after `boundary` seconds.
    static func words(of segments: [TranscriptSegment], after boundary: Double, keepWords: Bool) -> [TranscriptSegment] {
        segments.compactMap { segment in
            let words = segment.words ?? []
            let kept = words.filter { ($0.start + $0.end) / 2 >= boundary }
            guard let first = kept.first, let last = kept.last else { return nil }
            var segment = segment
            if kept.count < words.count {
                segment.text = kept.map(\.word).joined()
                segment.tokens = []
                segment.start = first.start
            }
            segment.end = max(segment.end, last.end)
            segment.words = keepWords ? kept : nil
            return segment
        }
    }

    /// A partial for the open utterance; agreed segments become final when it grows long.
    private func hypothesize(from start: Int) throws -> [Event] {
        var partialOptions = settings.decoding
        partialOptions.temperatures = [0]
        let segments = try decode(from: start, to: sampleCount, options: partialOptions)
        var events: [Event] = []
        var open = segments
        let length = Double(sampleCount - start) / Double(Self.sampleRate)
        if length > settings.longestUtteranceSeconds && segments.count > 1 {
            var agreed = 0
            while agreed < min(segments.count - 1, previousSegments.count), segments[agreed].text == previousSegments[agreed].text {
                agreed += 1
            }
            if agreed == 0 && length > Self.forcedCutSeconds { agreed = segments.count - 1 }
            if agreed > 0 {
                let done = Array(segments[..<agreed])
                events += commit(done)
                let cut = min(sampleCount, Int((done[done.count - 1].end * Double(Self.sampleRate)).rounded()))
                utteranceStart = max(start, cut)
                committedEnd = max(committedEnd, cut)
                open = Array(segments[agreed...])
            }
        } else if length > Self.forcedCutSeconds {
            // One segment over 25 s: Whisper found no boundary; it is final as it is.
            events += commit(segments)
            utteranceStart = sampleCount
            committedEnd = sampleCount
            open = []
        }
        previousSegments = open
        let text = open.map(\.text).joined().trimmingCharacters(in: .whitespaces)
        let words = text.split(separator: " ")
        let stable = zip(previousWords, words).prefix { $0 == $1 }.count
        previousWords = words
        if let start = utteranceStart, !text.isEmpty {
            events.append(.partial(Partial(start: Double(start) / Double(Self.sampleRate), end: Double(sampleCount) / Double(Self.sampleRate),
                                           text: text, stableText: words.prefix(stable).joined(separator: " "))))
        }
        return events
    }

    /// Segments of the stream's samples `[start, end)`, their times in stream seconds.
    private func decode(from start: Int, to end: Int, options: DecodingOptions, prompted: Bool = true) throws -> [TranscriptSegment] {
        lastDecodeEnd = end
        let samples = Array(audio[(start - audioStart)..<(end - audioStart)])
        var options = options
        options.conditionOnPreviousText = false
        if prompted, options.initialPrompt == nil, !committedText.isEmpty {
            options.initialPrompt = .text(String(committedText.suffix(settings.promptCharacters)))
        }
        decodedSeconds += Double(samples.count) / Double(Self.sampleRate)
        let offset = Double(start) / Double(Self.sampleRate)
        return try engine.transcribe(samples: samples, options: options).segments.map { segment in
            var segment = segment
            segment.start += offset
            segment.end = min(segment.end + offset, Double(end) / Double(Self.sampleRate))
            segment.words = segment.words?.map { word in
                var word = word
                word.start += offset
                word.end += offset
                return word
            }
            return segment
        }
    }

    private func commit(_ segments: [TranscriptSegment]) -> [Event] {
        segments.filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }.map { segment in
            var segment = segment
            segment.id = nextSegmentID
            nextSegmentID += 1
            committedText += segment.text
            return .final(segment)
        }
    }

    private func dropAudio(before sample: Int) {
        let drop = min(max(0, sample - audioStart), audio.count)
        guard drop > 0 else { return }
        audio.removeFirst(drop)
        audioStart += drop
    }
}
