/// A language with the probability the model gives it.
public struct LanguageProbability: Sendable, Hashable, Codable {
    /// The language code (`"en"`).
    public var language: String
    /// Its probability among the model's languages.
    public var probability: Float

    public init(language: String, probability: Float) {
        self.language = language
        self.probability = probability
    }
}

/// The language chosen for a transcription.
public struct LanguageDetection: Sendable, Hashable, Codable {
    /// The language code.
    public var language: String
    /// Its probability (1 when the language was given, not detected).
    public var probability: Double
    /// Every language of the last window examined, most probable first; empty when the
    /// language was given.
    public var allProbabilities: [LanguageProbability]

    public init(language: String, probability: Double, allProbabilities: [LanguageProbability]) {
        self.language = language
        self.probability = probability
        self.allProbabilities = allProbabilities
    }
}

/// Language identification for multilingual models: the decoder is given
/// `<|startoftranscript|>` alone, and its next-token logits, restricted to the language tokens
/// and normalised over them, rank the languages (CTranslate2's `WhisperReplica::detect_language`).
public struct LanguageDetector: Sendable {
    /// The languages of the model and their tokens.
    public var languages: [(code: String, token: Int)]
    let startOfTranscript: Int

    public init(vocabulary: any WhisperVocabulary) {
        languages = vocabulary.languageTokens
        startOfTranscript = vocabulary.startOfTranscript
    }

    /// The languages of one encoded window, most probable first.
    public func probabilities(of window: any EncodedWindow) throws -> [LanguageProbability] {
        let decoder = try window.makeDecoder()
        let rows = try decoder.feed([startOfTranscript], logitsAt: [0])
        guard let logits = rows.first else { throw WhisperError.malformedLogits(expected: 1, got: 0) }
        guard languages.allSatisfy({ $0.token < logits.count }) else {
            throw WhisperError.malformedLogits(expected: languages.count, got: logits.count)
        }
        let probabilities = LogitsMath.softmax(languages.map { logits[$0.token] })
        return zip(languages, probabilities)
            .map { LanguageProbability(language: $0.code, probability: $1) }
            .enumerated()
            .sorted { $0.element.probability > $1.element.probability
                || ($0.element.probability == $1.element.probability && $0.offset < $1.offset) }
            .map(\.element)
    }

    /// faster-whisper's `detect_language` over features: look at up to `maxWindows` windows
    /// from `startFrame` and stop at the first whose top language is more probable than
    /// `threshold`; if none is, take the language that came first most often, with its best
    /// probability.
    public func detect(features: some FeatureSource, startFrame: Int, runner: some WhisperRunner,
                       threshold: Double, maxWindows: Int) throws -> LanguageDetection {
        let available = min(max(maxWindows, 0) * WhisperTiming.framesPerWindow,
                            features.frameCount - startFrame)
        var votes: [(language: String, probabilities: [Float])] = []
        var last: [LanguageProbability] = []
        for offset in stride(from: 0, to: available, by: WhisperTiming.framesPerWindow) {
            let count = min(WhisperTiming.framesPerWindow, available - offset)
            let window = try runner.encode(
                features: features.window(startFrame: startFrame + offset, frameCount: count),
                melBins: features.melBins)
            last = try probabilities(of: window)
            guard let top = last.first else { break }
            if Double(top.probability) > threshold {
                return LanguageDetection(language: top.language, probability: Double(top.probability),
                                         allProbabilities: last)
            }
            if let index = votes.firstIndex(where: { $0.language == top.language }) {
                votes[index].probabilities.append(top.probability)
            } else {
                votes.append((top.language, [top.probability]))
            }
        }
        return majority(votes, last: last)
    }

    /// The most frequent first choice (the earliest on ties, as Python's `max` over a dict).
    private func majority(_ votes: [(language: String, probabilities: [Float])],
                          last: [LanguageProbability]) -> LanguageDetection {
        guard var best = votes.first else {
            // No frame to look at: faster-whisper would fail here; English is the safe guess.
            return LanguageDetection(language: "en", probability: 0, allProbabilities: last)
        }
        for vote in votes.dropFirst() where vote.probabilities.count > best.probabilities.count {
            best = vote
        }
        let probability = best.probabilities.max() ?? 0
        return LanguageDetection(language: best.language, probability: Double(probability),
                                 allProbabilities: last)
    }
}
