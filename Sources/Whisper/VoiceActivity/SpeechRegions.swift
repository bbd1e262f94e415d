/// How speech is told from silence: faster-whisper's `VadOptions`, with its defaults.
public struct VoiceActivityOptions: Sendable, Hashable, Codable {
    /// A chunk whose probability is at least this is speech.
    public var threshold: Double
    /// Below this a chunk is silence for sure (between the two, it continues what came before);
    /// nil: `max(threshold − 0.15, 0.01)`.
    public var negativeThreshold: Double?
    /// Speech shorter than this is dropped.
    public var minSpeechDurationMs: Int
    /// Longer speech is cut, at a silence of at least 98 ms where there is one.
    public var maxSpeechDurationSeconds: Double
    /// Silence this long ends a stretch of speech.
    public var minSilenceDurationMs: Int
    /// Speech is widened by this much each side.
    public var speechPadMs: Int

    public init(threshold: Double = 0.5, negativeThreshold: Double? = nil, minSpeechDurationMs: Int = 0,
                maxSpeechDurationSeconds: Double = .infinity, minSilenceDurationMs: Int = 2000, speechPadMs: Int = 400) {
        self.threshold = threshold
        self.negativeThreshold = negativeThreshold
        self.minSpeechDurationMs = minSpeechDurationMs
        self.maxSpeechDurationSeconds = maxSpeechDurationSeconds
        self.minSilenceDurationMs = minSilenceDurationMs
        self.speechPadMs = speechPadMs
    }

    /// Why these options cannot be used, or nil.
    public var problem: String? {
        if !(threshold > 0 && threshold < 1) { return "the speech threshold must lie between 0 and 1" }
        if let negativeThreshold, !(negativeThreshold > 0 && negativeThreshold <= threshold) {
            return "the silence threshold must lie between 0 and the speech threshold"
        }
        if minSpeechDurationMs < 0 || minSilenceDurationMs < 0 || speechPadMs < 0 { return "durations cannot be negative" }
        if !(maxSpeechDurationSeconds > 0) { return "the longest speech must be positive" }
        return nil
    }

    /// faster-whisper's names (`vad_parameters`); a missing key keeps its default, and an
    /// unlimited longest speech is left out (JSON has no infinity).
    enum CodingKeys: String, CodingKey {
        case threshold
        case negativeThreshold = "neg_threshold"
        case minSpeechDurationMs = "min_speech_duration_ms"
        case maxSpeechDurationSeconds = "max_speech_duration_s"
        case minSilenceDurationMs = "min_silence_duration_ms"
        case speechPadMs = "speech_pad_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = VoiceActivityOptions()
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? defaults.threshold
        negativeThreshold = try container.decodeIfPresent(Double.self, forKey: .negativeThreshold)
        minSpeechDurationMs = try container.decodeIfPresent(Int.self, forKey: .minSpeechDurationMs) ?? defaults.minSpeechDurationMs
        maxSpeechDurationSeconds = try container.decodeIfPresent(Double.self, forKey: .maxSpeechDurationSeconds) ?? defaults.maxSpeechDurationSeconds
        minSilenceDurationMs = try container.decodeIfPresent(Int.self, forKey: .minSilenceDurationMs) ?? defaults.minSilenceDurationMs
        speechPadMs = try container.decodeIfPresent(Int.self, forKey: .speechPadMs) ?? defaults.speechPadMs
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encodeIfPresent(negativeThreshold, forKey: .negativeThreshold)
        try container.encode(minSpeechDurationMs, forKey: .minSpeechDurationMs)
        if maxSpeechDurationSeconds.isFinite { try container.encode(maxSpeechDurationSeconds, forKey: .maxSpeechDurationSeconds) }
        try container.encode(minSilenceDurationMs, forKey: .minSilenceDurationMs)
        try container.encode(speechPadMs, forKey: .speechPadMs)
    }
}

/// Where the speech is: faster-whisper's `get_speech_timestamps` over chunk probabilities.
public enum SpeechRegions {
    /// The speech of a recording of `sampleCount` samples (16 kHz) whose 512-sample chunks have
    /// `probabilities`, as sample ranges in order, padded and never overlapping.
    public static func find(probabilities: [Float], sampleCount: Int, options: VoiceActivityOptions,
                            sampleRate: Int = 16_000) -> [Range<Int>] {
        let window = SileroVAD.chunkSamples
        let rate = Double(sampleRate)
        let threshold = Float(options.threshold)
        let negativeThreshold = Float(options.negativeThreshold ?? max(options.threshold - 0.15, 0.01))
        let minSpeechSamples = rate * Double(options.minSpeechDurationMs) / 1000
        let padSamples = rate * Double(options.speechPadMs) / 1000
        let maxSpeechSamples = rate * options.maxSpeechDurationSeconds - Double(window) - 2 * padSamples
        let minSilenceSamples = rate * Double(options.minSilenceDurationMs) / 1000
        let minSilenceAtMaxSpeech = rate * 98 / 1000

        var speeches: [(start: Int, end: Int)] = []
        var triggered = false
        var start: Int?
        var tempEnd = 0, previousEnd = 0, nextStart = 0
        for (i, probability) in probabilities.enumerated() {
            let position = window * i
            if probability >= threshold && tempEnd != 0 {
                tempEnd = 0
                if nextStart < previousEnd { nextStart = position }
            }
            if probability >= threshold && !triggered {
                triggered = true
                start = position
                continue
            }
            if triggered, let current = start, Double(position - current) > maxSpeechSamples {
                if previousEnd != 0 {
                    speeches.append((current, previousEnd))
                    start = nil
                    // Reached silence before (below the negative threshold) and not speech since.
                    if nextStart < previousEnd { triggered = false } else { start = nextStart }
                    previousEnd = 0; nextStart = 0; tempEnd = 0
                } else {
                    speeches.append((current, position))
                    start = nil
                    previousEnd = 0; nextStart = 0; tempEnd = 0
                    triggered = false
                    continue
                }
            }
            if probability < negativeThreshold && triggered {
                if tempEnd == 0 { tempEnd = position }
                // Remember a silence long enough to cut at, should the speech grow too long.
                if Double(position - tempEnd) > minSilenceAtMaxSpeech { previousEnd = tempEnd }
                if Double(position - tempEnd) < minSilenceSamples { continue }
                if let current = start, Double(tempEnd - current) > minSpeechSamples { speeches.append((current, tempEnd)) }
                start = nil
                previousEnd = 0; nextStart = 0; tempEnd = 0
                triggered = false
                continue
            }
        }
        if let current = start, Double(sampleCount - current) > minSpeechSamples {
            speeches.append((current, sampleCount))
        }
        return pad(speeches, padSamples: padSamples, sampleCount: sampleCount)
    }

    /// Widens every stretch by the pad, or by half the silence to the next where that is shorter
    /// than two pads.
    private static func pad(_ speeches: [(start: Int, end: Int)], padSamples: Double, sampleCount: Int) -> [Range<Int>] {
        var speeches = speeches
        let pad = Int(padSamples)
        for i in speeches.indices {
            if i == 0 { speeches[i].start = max(0, speeches[i].start - pad) }
            if i != speeches.count - 1 {
                let silence = speeches[i + 1].start - speeches[i].end
                if Double(silence) < 2 * padSamples {
                    speeches[i].end += silence / 2
                    speeches[i + 1].start = max(0, speeches[i + 1].start - silence / 2)
                } else {
                    speeches[i].end = min(sampleCount, speeches[i].end + pad)
                    speeches[i + 1].start = max(0, speeches[i + 1].start - pad)
                }
            } else {
                speeches[i].end = min(sampleCount, speeches[i].end + pad)
            }
        }
        return speeches.map { $0.start..<max($0.start, $0.end) }
    }
}
