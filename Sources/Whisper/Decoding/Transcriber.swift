/// Long-form transcription: walks through an input window by window exactly as
/// faster-whisper's `WhisperModel.transcribe` and `generate_segments` do (without VAD and word
/// timestamps), and reports segments as they are decided.
///
/// Each window starts at `seek` (a mel frame) and covers up to 3000 frames; where it ends and
/// which segments it yields depend on the timestamps the model wrote (see `TimestampSplitter`).
/// A window judged silent is skipped whole.
///
/// Decoding is synchronous and runs on the caller's thread; `events(for:)` moves it to a
/// detached task for callers that want an `AsyncSequence`.
public struct Transcriber: Sendable {
    /// The model.
    public let runner: any WhisperRunner
    /// The tokenizer.
    public let vocabulary: any WhisperVocabulary
    /// How to decode.
    public let options: DecodingOptions
    let shouldStop: @Sendable () -> Bool
    let fallback: FallbackDecoder
    let splitter: TimestampSplitter
    let detector: LanguageDetector

    /// - Parameter shouldStop: asked before every window and every decoding step; true stops
    ///   the transcription with `CancellationError`.
    public init(runner: any WhisperRunner, vocabulary: any WhisperVocabulary, options: DecodingOptions,
                shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.runner = runner
        self.vocabulary = vocabulary
        self.options = options
        self.shouldStop = shouldStop
        var greedy = GreedyDecoder(vocabulary: vocabulary, vocabularySize: runner.vocabularySize,
                                   options: options)
        greedy.shouldStop = shouldStop
        fallback = FallbackDecoder(greedy: greedy, options: options, vocabulary: vocabulary)
        splitter = TimestampSplitter(timestampBegin: vocabulary.timestampBegin)
        detector = LanguageDetector(vocabulary: vocabulary)
    }

    /// Transcribes `features`, sampling (at temperatures above 0) from `options.samplingSeed`
    /// or, without one, from the system generator.
    @discardableResult
    public func transcribe(_ features: some FeatureSource,
                           onEvent: (TranscriptionEvent) throws -> Void) throws -> TranscriptionInfo {
        if let seed = options.samplingSeed {
            var rng = SeededRandomGenerator(seed: seed)
            return try transcribe(features, using: &rng, onEvent: onEvent)
        }
        var rng = SystemRandomNumberGenerator()
        return try transcribe(features, using: &rng, onEvent: onEvent)
    }

    /// Transcribes `features`, sampling from `rng`.
    @discardableResult
    public func transcribe(_ features: some FeatureSource, using rng: inout some RandomNumberGenerator,
                           onEvent: (TranscriptionEvent) throws -> Void) throws -> TranscriptionInfo {
        let language = try resolveLanguage(features)
        try onEvent(.language(language))
        var state = TranscriptionState(
            clips: SeekClips.clips(from: options.clipTimestamps, contentFrames: features.contentFrames),
            language: language.language, initialTokens: initialPromptTokens())
        while let window = state.nextWindow(contentFrames: features.contentFrames) {
            try Task.checkCancellation()
            if shouldStop() { throw CancellationError() }
            try transcribeWindow(window, of: features, state: &state, using: &rng, onEvent: onEvent)
            let position = Double(min(features.contentFrames, state.seek)) * WhisperTiming.secondsPerFrame
            try onEvent(.progress(TranscriptionProgress(processedSeconds: position,
                                                        totalSeconds: duration(of: features))))
        }
        return TranscriptionInfo(language: language, contentDuration: duration(of: features),
                                 options: options)
    }

    /// The same events as an asynchronous sequence; cancelling its consumer stops decoding at the
    /// next window or event.
    public func events(for features: some FeatureSource) -> AsyncThrowingStream<TranscriptionEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached {
                do {
                    try self.transcribe(features) { event in
                        try Task.checkCancellation()
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func duration(of features: some FeatureSource) -> Double {
        Double(features.contentFrames) * WhisperTiming.secondsPerFrame
    }

    /// The initial prompt as tokens: text gets a leading space and is stripped first.
    func initialPromptTokens() -> [Int] {
        switch options.initialPrompt {
        case nil: return []
        case let .text(text)?: return vocabulary.encode(" " + PythonText.strip(text))
        case let .tokens(tokens)?: return tokens
        }
    }

    /// The given language (English for an English-only model, whatever was asked), or the one
    /// detected from the first clip's start as `transcribe()` does.
    func resolveLanguage(_ features: some FeatureSource) throws -> LanguageDetection {
        guard vocabulary.isMultilingual else {
            return LanguageDetection(language: "en", probability: 1, allProbabilities: [])
        }
        if let language = options.language {
            guard vocabulary.languageToken(language) != nil else {
                throw WhisperError.unknownLanguage(language)
            }
            return LanguageDetection(language: language, probability: 1, allProbabilities: [])
        }
        let start = SeekClips.detectionStart(from: options.clipTimestamps,
                                             contentFrames: features.contentFrames)
        return try detector.detect(features: features, startFrame: start, runner: runner,
                                   threshold: options.languageDetectionThreshold,
                                   maxWindows: options.languageDetectionSegments)
    }
}
