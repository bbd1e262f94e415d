/// The decoding of one window chosen by temperature fallback, with the numbers
/// faster-whisper reports for it.
public struct WindowDecoding: Sendable, Hashable {
    /// The pass kept.
    public var pass: DecodingPass
    /// faster-whisper's `avg_logprob` of that pass.
    public var averageLogProb: Double
    /// The temperature reported: the kept pass's, or the last one tried when every temperature
    /// failed (faster-whisper reports it so that the prompt reset sees how hard it was).
    public var temperature: Double
    /// Compression ratio of the pass's stripped text.
    public var compressionRatio: Double
}

/// Temperature fallback, as faster-whisper's `generate_with_fallback`: decode at each
/// temperature in turn and stop at the first result that is neither too repetitive
/// (compression ratio) nor too unlikely (average log-probability), unless it looks like
/// silence, which no temperature would fix.
public struct FallbackDecoder: Sendable {
    /// The single-pass decoder.
    public var greedy: GreedyDecoder
    /// Thresholds, temperatures, `bestOf` and `maxNewTokens` come from here.
    public var options: DecodingOptions
    let vocabulary: any WhisperVocabulary

    public init(greedy: GreedyDecoder, options: DecodingOptions, vocabulary: any WhisperVocabulary) {
        self.greedy = greedy
        self.options = options
        self.vocabulary = vocabulary
    }

    /// Decodes `window` after `prompt`.
    public func decode(_ window: any EncodedWindow, prompt tokens: [Int],
                       using rng: inout some RandomNumberGenerator) throws -> WindowDecoding {
        guard !options.temperatures.isEmpty else { throw WhisperError.noTemperatures }
        let prompt = try DecoderPrompt(tokens: tokens, vocabulary: vocabulary)
        let maxLength = try self.maxLength(promptLength: tokens.count)
        var all: [WindowDecoding] = []
        var belowCompressionThreshold: [WindowDecoding] = []

        for temperature in options.temperatures {
            let pass = try bestPass(window, prompt: prompt, maxLength: maxLength,
                                    temperature: temperature, using: &rng)
            let text = PythonText.strip(vocabulary.decode(pass.tokens.filter { $0 < vocabulary.endOfText }))
            let result = WindowDecoding(pass: pass, averageLogProb: pass.averageLogProb,
                                        temperature: temperature,
                                        compressionRatio: CompressionRatio.of(text))
            all.append(result)

            var needsFallback = false
            if let threshold = options.compressionRatioThreshold {
                if result.compressionRatio > threshold {
                    needsFallback = true  // too repetitive
                } else {
                    belowCompressionThreshold.append(result)
                }
            }
            if let threshold = options.logProbThreshold, result.averageLogProb < threshold {
                needsFallback = true  // too unlikely
                if let noSpeech = options.noSpeechThreshold,
                   Double(pass.noSpeechProbability) > noSpeech {
                    needsFallback = false  // silence: the window will be skipped instead
                }
            }
            if !needsFallback { return result }
        }
        return bestFailure(belowCompressionThreshold.isEmpty ? all : belowCompressionThreshold,
                           lastTemperature: options.temperatures[options.temperatures.count - 1])
    }

    /// The total token budget: 448, or prompt + `maxNewTokens`, which may not exceed 448.
    func maxLength(promptLength: Int) throws -> Int {
        guard let maxNewTokens = options.maxNewTokens else { return WhisperTiming.maxTokens }
        let total = promptLength + maxNewTokens
        guard total <= WhisperTiming.maxTokens else {
            throw WhisperError.promptTooLong(promptLength: promptLength, maxNewTokens: maxNewTokens)
        }
        return total
    }

    /// Greedy at temperature 0; above it, `bestOf` independent draws of which CTranslate2
    /// returns the one with the highest length-normalised score.
    func bestPass(_ window: any EncodedWindow, prompt: DecoderPrompt, maxLength: Int,
                  temperature: Double, using rng: inout some RandomNumberGenerator) throws
        -> DecodingPass {
        var best = try greedy.decode(window, prompt: prompt, maxLength: maxLength,
                                     temperature: temperature, using: &rng)
        guard temperature > 0 else { return best }
        for _ in 1..<max(options.bestOf, 1) {
            let candidate = try greedy.decode(window, prompt: prompt, maxLength: maxLength,
                                              temperature: temperature, using: &rng)
            if candidate.score > best.score { best = candidate }
        }
        return best
    }

    /// When every temperature failed: the likeliest result among those that were not too
    /// repetitive (or among all), reported with the last temperature tried. Like Python's
    /// `max`, the first of equal candidates wins and NaN never replaces a candidate.
    func bestFailure(_ candidates: [WindowDecoding], lastTemperature: Double) -> WindowDecoding {
        var best = candidates[0]
        for candidate in candidates.dropFirst() where candidate.averageLogProb > best.averageLogProb {
            best = candidate
        }
        best.temperature = lastTemperature
        return best
    }
}
