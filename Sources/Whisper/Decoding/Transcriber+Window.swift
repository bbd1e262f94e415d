extension Transcriber {
    /// Decodes one window and emits its segments: the body of `generate_segments`' loop.
    func transcribeWindow(
        _ window: WindowPlan, of features: some FeatureSource, state: inout TranscriptionState,
        using rng: inout some RandomNumberGenerator, onEvent: (TranscriptionEvent) throws -> Void
    ) throws {
        let encoded = try runner.encode(
            features: features.window(startFrame: window.seek, frameCount: window.frameCount),
            melBins: features.melBins)
        if options.multilingual && vocabulary.isMultilingual,
           let top = try detector.probabilities(of: encoded).first {
            state.language = top.language
        }
        let prompt = PromptBuilder.prompt(
            vocabulary: vocabulary,
            sotSequence: vocabulary.sotSequence(language: state.language, task: options.task),
            previousTokens: state.previousTokens,
            withoutTimestamps: options.withoutTimestamps,
            prefix: window.seek == 0 ? options.prefix : nil,
            hotwords: options.hotwords)
        let result = try fallback.decode(encoded, prompt: prompt, using: &rng)

        if isSilence(result) {
            state.seek += window.frameCount
            return
        }
        let (pieces, nextSeek) = splitter.split(result.pass.tokens, timeOffset: window.timeOffset,
                                                segmentSize: window.frameCount, seek: window.seek)
        // faster-whisper cannot leave a window without moving on except by decoding the same
        // tokens again forever; skipping the window is the only way out of that loop.
        state.seek = nextSeek > window.seek ? nextSeek : window.seek + window.frameCount

        for piece in pieces {
            let text = vocabulary.decode(piece.tokens.filter { $0 < vocabulary.endOfText })
            // Zero-length and blank pieces are dropped, and are not conditioning text either.
            if piece.start == piece.end || PythonText.isBlank(text) { continue }
            state.allTokens += piece.tokens
            state.segmentCount += 1
            try onEvent(.segment(TranscriptSegment(
                id: state.segmentCount, seek: window.seek, start: piece.start, end: piece.end,
                text: text, tokens: piece.tokens, temperature: result.temperature,
                avgLogProb: result.averageLogProb, compressionRatio: result.compressionRatio,
                noSpeechProb: Double(result.pass.noSpeechProbability))))
        }
        if !options.conditionOnPreviousText || result.temperature > options.promptResetOnTemperature {
            state.promptResetSince = state.allTokens.count
        }
    }

    /// A window is silent when the no-speech probability is above its threshold, unless the
    /// text was likely enough to be trusted anyway.
    func isSilence(_ result: WindowDecoding) -> Bool {
        guard let noSpeechThreshold = options.noSpeechThreshold else { return false }
        if let logProbThreshold = options.logProbThreshold, result.averageLogProb > logProbThreshold {
            return false
        }
        return Double(result.pass.noSpeechProbability) > noSpeechThreshold
    }
}
