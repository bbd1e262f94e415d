extension Transcriber {
    /// Decodes one window and emits its segments: the body of `generate_segments`' loop.
    func transcribeWindow(
        _ window: WindowPlan, of features: some FeatureSource, state: inout TranscriptionState,
        using rng: inout some RandomNumberGenerator, onEvent: (TranscriptionEvent) throws -> Void
    ) throws {
        if let level = options.silentWindowLevel,
           let peak = features.peakLevel(startFrame: window.seek, frameCount: window.frameCount), peak < level {
            // Note [Silent windows]
            state.seek += window.frameCount
            return
        }
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
        let (split, splitSeek) = splitter.split(result.pass.tokens, timeOffset: window.timeOffset,
                                                segmentSize: window.frameCount, seek: window.seek)
        var pieces = split.map { WindowWords.Piece(start: $0.start, end: $0.end, tokens: $0.tokens) }
        var nextSeek = splitSeek
        if options.wordTimestamps {
            nextSeek = try timeWords(&pieces, window: window, encoded: encoded, state: &state,
                                     tokens: result.pass.tokens, nextSeek: splitSeek)
        }
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
                noSpeechProb: Double(result.pass.noSpeechProbability),
                words: options.wordTimestamps ? piece.words : nil)))
        }
        if !options.conditionOnPreviousText || result.temperature > options.promptResetOnTemperature {
            state.promptResetSince = state.allTokens.count
        }
    }

    /// Times the words of the window's pieces and returns where the next window starts: unless
    /// the window ended on a single timestamp, at its last word (faster-whisper's seek rule
    /// with `word_timestamps`).
    private func timeWords(_ pieces: inout [WindowWords.Piece], window: WindowPlan, encoded: any EncodedWindow,
                           state: inout TranscriptionState, tokens: [Int], nextSeek: Int) throws -> Int {
        guard let heads = runner.alignmentHeads, !heads.isEmpty else {
            throw WhisperError(.invalidOptions, "word timestamps need the model's alignment_heads in config.json, and this model has none")
        }
        let words = WindowWords(vocabulary: vocabulary, heads: heads, prependPunctuations: options.prependPunctuations,
                                appendPunctuations: options.appendPunctuations)
        state.lastSpeech = try words.time(&pieces, window: encoded, seek: window.seek, frameCount: window.frameCount,
                                          sotSequence: vocabulary.sotSequence(language: state.language, task: options.task),
                                          language: state.language, lastSpeech: state.lastSpeech)
        // `get_end`: the last word's end, or the last segment's end when no word was timed.
        let lastEnd = pieces.reversed().lazy.compactMap { $0.words.last?.end }.first ?? pieces.last?.end
        if let lastEnd { state.lastSpeech = lastEnd }
        var seek = nextSeek
        if !TimestampSplitter.endsWithSingleTimestamp(tokens, timestampBegin: vocabulary.timestampBegin),
           let lastEnd, lastEnd > window.timeOffset {
            seek = Int((lastEnd * Double(WhisperTiming.framesPerSecond)).rounded(.toNearestOrEven))
        }
        return seek
    }

    // Note [Silent windows]: Whisper has no answer for a window without sound. Fed 30 s of
    // digital silence, tiny.en says " you" with an average log-probability of -0.3, confident
    // enough to pass the no-speech rule below, and faster-whisper prints exactly that: a 2-hour
    // silent file became 513 segments of "you" and took 455 s. No signal, no speech: a window
    // whose loudest moment (whole seconds around it, from the loudness the features kept as
    // they streamed) is below `silentWindowLevel` (-70 dBFS; 16-bit dither sits near -95, room
    // tone near -60, speech far above) is skipped before it is encoded, like a window the
    // no-speech rule skips. Only whole windows are judged, so the pauses inside speech are
    // decoded as faster-whisper decodes them, and the golden transcripts do not change. A
    // VAD finds shorter silences; this is the floor under it.

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
