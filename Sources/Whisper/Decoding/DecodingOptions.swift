/// A prompt given before the first window: text (encoded after a leading space, as
/// faster-whisper does) or token ids used as they are.
public enum InitialPrompt: Sendable, Hashable, ExpressibleByStringLiteral {
    case text(String)
    case tokens([Int])

    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

/// How to decode and how to move through a long input. The defaults are those of
/// faster-whisper's `WhisperModel.transcribe()` (1.2.1), except that decoding is always greedy
/// (`beam_size=1`), which is the configuration whose transcripts Auris reproduces exactly.
///
/// Options faster-whisper has and Auris does not: beam search, `repetition_penalty`,
/// `no_repeat_ngram_size` and `hallucination_silence_threshold`.
public struct DecodingOptions: Sendable, Hashable {
    /// Temperatures tried in turn until a result passes the thresholds; 0 means argmax.
    public var temperatures: [Double]
    /// Above this gzip-style compression ratio a result is too repetitive; nil disables it.
    public var compressionRatioThreshold: Double?
    /// Below this average log-probability a result is too unlikely; nil disables it.
    public var logProbThreshold: Double?
    /// Above this no-speech probability, and with a log-probability below `logProbThreshold`,
    /// a window is silence and is skipped; nil disables it.
    public var noSpeechThreshold: Double?
    /// A window whose loudest moment is below this level (dBFS) is skipped without being
    /// decoded (Note [Silent windows]); nil decodes every window, as faster-whisper does.
    public var silentWindowLevel: Double?
    /// Whether the text of earlier windows is given as a prompt to the next.
    public var conditionOnPreviousText: Bool
    /// A window decoded above this temperature stops the conditioning on what came before it.
    public var promptResetOnTemperature: Double
    /// Text or tokens given as previous text to the first window.
    public var initialPrompt: InitialPrompt?
    /// Text forced at the start of the first window's transcript (only when seek is 0).
    public var prefix: String?
    /// Hint phrases given as previous text to every window that has no prefix.
    public var hotwords: String?
    /// Forbid a blank (a space or end of text) as the first sampled token.
    public var suppressBlank: Bool
    /// Token ids never to sample; -1 stands for the non-speech symbols.
    public var suppressTokens: [Int]?
    /// Sample only text tokens (the prompt ends with `<|notimestamps|>`).
    public var withoutTimestamps: Bool
    /// The first timestamp may not be later than this many seconds.
    public var maxInitialTimestamp: Double
    /// Language code; nil detects it on the first window(s) of a multilingual model.
    public var language: String?
    /// Transcribe, or translate into English (multilingual models only).
    public var task: WhisperTask
    /// Detect the language again on every window (multilingual models only).
    public var multilingual: Bool
    /// Maximum tokens generated per window; nil leaves the limit to the model's context.
    public var maxNewTokens: Int?
    /// Number of samples drawn at a temperature above 0; the best by score wins.
    public var bestOf: Int
    /// Exponent of the length normalisation of scores (`score / length^lengthPenalty`).
    public var lengthPenalty: Double
    /// Start and end times in seconds of the clips to transcribe (`start,end,start,...`); an
    /// odd count ends at the end of the input. Empty means everything.
    public var clipTimestamps: [Double]
    /// Detection succeeds on a window when the top language is more probable than this.
    public var languageDetectionThreshold: Double
    /// How many windows language detection may look at.
    public var languageDetectionSegments: Int
    /// Seed of the sampling at temperatures above 0; nil draws one at random.
    public var samplingSeed: UInt64?
    /// Time every word (`word_timestamps`; Note [Words from the cross-attention]). Segment
    /// bounds then follow their words, and a window ends at its last word.
    public var wordTimestamps: Bool
    /// With word timestamps, these opening marks join the word after them...
    public var prependPunctuations: String
    /// ...and these closing marks the word before them.
    public var appendPunctuations: String
    /// Transcribe only the speech that voice activity detection finds (faster-whisper's
    /// `vad_filter`), with these settings; nil transcribes everything. The times in the result
    /// are the recording's. Engine-level: `Transcriber` itself sees only the speech.
    public var voiceActivity: VoiceActivityOptions?

    public init(
        temperatures: [Double] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        compressionRatioThreshold: Double? = 2.4,
        logProbThreshold: Double? = -1.0,
        noSpeechThreshold: Double? = 0.6,
        silentWindowLevel: Double? = -70,
        conditionOnPreviousText: Bool = true,
        promptResetOnTemperature: Double = 0.5,
        initialPrompt: InitialPrompt? = nil,
        prefix: String? = nil,
        hotwords: String? = nil,
        suppressBlank: Bool = true,
        suppressTokens: [Int]? = [-1],
        withoutTimestamps: Bool = false,
        maxInitialTimestamp: Double = 1.0,
        language: String? = nil,
        task: WhisperTask = .transcribe,
        multilingual: Bool = false,
        maxNewTokens: Int? = nil,
        bestOf: Int = 5,
        lengthPenalty: Double = 1,
        clipTimestamps: [Double] = [0],
        languageDetectionThreshold: Double = 0.5,
        languageDetectionSegments: Int = 1,
        samplingSeed: UInt64? = nil,
        wordTimestamps: Bool = false,
        prependPunctuations: String = "\"'“¿([{-",
        appendPunctuations: String = "\"'.。,，!！?？:：”)]}、",
        voiceActivity: VoiceActivityOptions? = nil
    ) {
        self.temperatures = temperatures
        self.compressionRatioThreshold = compressionRatioThreshold
        self.logProbThreshold = logProbThreshold
        self.noSpeechThreshold = noSpeechThreshold
        self.silentWindowLevel = silentWindowLevel
        self.conditionOnPreviousText = conditionOnPreviousText
        self.promptResetOnTemperature = promptResetOnTemperature
        self.initialPrompt = initialPrompt
        self.prefix = prefix
        self.hotwords = hotwords
        self.suppressBlank = suppressBlank
        self.suppressTokens = suppressTokens
        self.withoutTimestamps = withoutTimestamps
        self.maxInitialTimestamp = maxInitialTimestamp
        self.language = language
        self.task = task
        self.multilingual = multilingual
        self.maxNewTokens = maxNewTokens
        self.bestOf = bestOf
        self.lengthPenalty = lengthPenalty
        self.clipTimestamps = clipTimestamps
        self.languageDetectionThreshold = languageDetectionThreshold
        self.languageDetectionSegments = languageDetectionSegments
        self.samplingSeed = samplingSeed
        self.wordTimestamps = wordTimestamps
        self.prependPunctuations = prependPunctuations
        self.appendPunctuations = appendPunctuations
        self.voiceActivity = voiceActivity
    }
}
