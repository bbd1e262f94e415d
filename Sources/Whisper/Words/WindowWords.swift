/// Times the words of one window's segments, as faster-whisper's `find_alignment` and
/// `add_word_timestamps` do (Note [Words from the cross-attention]), including its repairs:
/// words at sentence ends and after pauses no longer than twice the median word, and segment
/// bounds moved to their first and last words.
struct WindowWords {
    let vocabulary: any WhisperVocabulary
    let heads: [WhisperModelConfig.AlignmentHead]
    let prependPunctuations: String
    let appendPunctuations: String

    /// A window's segment while its words are timed: bounds may move to fit them.
    struct Piece {
        var start: Double
        var end: Double
        var tokens: [Int]
        var words: [TimedWord] = []
    }

    /// One aligned word before it is placed in its segment (times relative to the window).
    struct Aligned {
        var word: String
        var tokens: [Int]
        var start: Double
        var end: Double
        var probability: Double
    }

    /// Fills in the words of `pieces` (the segments of the window at `seek`, which covered
    /// `frameCount` content frames, with the prompt `sotSequence` ahead of its text) and returns
    /// the new end of the last speech.
    func time(_ pieces: inout [Piece], window: any EncodedWindow, seek: Int, frameCount: Int, sotSequence: [Int],
              language: String, lastSpeech: Double) throws -> Double {
        let textTokens = pieces.map { $0.tokens.filter { $0 < vocabulary.endOfText } }
        var alignment = try align(textTokens.flatMap { $0 }, window: window, frameCount: frameCount, sotSequence: sotSequence,
                                  language: language)
        let durations = alignment.map { $0.end - $0.start }.filter { $0 != 0 }
        let median = min(0.7, Self.median(durations))
        let longest = median * 2
        if !durations.isEmpty {
            // Words at sentence boundaries are no longer than twice the median word.
            let sentenceEnds = ".。!！?？"
            for i in alignment.indices.dropFirst() where alignment[i].end - alignment[i].start > longest {
                if Self.isSubstring(alignment[i].word, of: sentenceEnds) {
                    alignment[i].end = alignment[i].start + longest
                } else if Self.isSubstring(alignment[i - 1].word, of: sentenceEnds) {
                    alignment[i].start = alignment[i].end - longest
                }
            }
        }
        mergePunctuation(&alignment)

        let offset = Double(seek) / Double(WhisperTiming.framesPerSecond)
        var lastSpeech = lastSpeech
        var next = 0
        for index in pieces.indices {
            var saved = 0
            var words: [TimedWord] = []
            while next < alignment.count && saved < textTokens[index].count {
                let timing = alignment[next]
                if !timing.word.isEmpty {
                    words.append(TimedWord(word: timing.word, start: Self.centiseconds(offset + timing.start),
                                           end: Self.centiseconds(offset + timing.end), probability: timing.probability))
                }
                saved += timing.tokens.count
                next += 1
            }
            if !words.isEmpty {
                repairEdges(&words, of: &pieces[index], median: median, longest: longest, lastSpeech: lastSpeech)
                lastSpeech = pieces[index].end
            }
            pieces[index].words = words
        }
        return lastSpeech
    }

    /// The first word after a pause and the segment's own bounds, as faster-whisper repairs them.
    private func repairEdges(_ words: inout [TimedWord], of piece: inout Piece, median: Double, longest: Double, lastSpeech: Double) {
        if words[0].end - lastSpeech > median * 4
            && (words[0].end - words[0].start > longest
                || (words.count > 1 && words[1].end - words[0].start > longest * 2)) {
            if words.count > 1 && words[1].end - words[1].start > longest {
                let boundary = max(words[1].end / 2, words[1].end - longest)
                words[0].end = boundary
                words[1].start = boundary
            }
            words[0].start = max(0, words[0].end - longest)
        }
        // The segment's start is preferred when the first word is too long, else the word's.
        if piece.start < words[0].end && piece.start - 0.5 > words[0].start {
            words[0].start = max(0, min(words[0].end - median, piece.start))
        } else {
            piece.start = words[0].start
        }
        let last = words.count - 1
        if piece.end > words[last].start && piece.end + 0.5 < words[last].end {
            words[last].end = max(words[last].start + median, piece.end)
        } else {
            piece.end = words[last].end
        }
    }

    /// The words of `textTokens` with their times in the window (`find_alignment`).
    func align(_ textTokens: [Int], window: any EncodedWindow, frameCount: Int, sotSequence: [Int],
               language: String) throws -> [Aligned] {
        guard !textTokens.isEmpty else { return [] }
        let tokens = sotSequence + [vocabulary.noTimestamps] + textTokens + [vocabulary.endOfText]
        let first = sotSequence.count
        let reading = try window.readCrossAttention(tokens: tokens, heads: heads, probabilityRows: first..<(first + textTokens.count),
                                                    textVocabulary: vocabulary.endOfText)
        let path = CrossAttentionAlignment.path(reading, rows: first..<(first + textTokens.count + 1), frames: frameCount / 2)
        let words = WordSplitter(vocabulary: vocabulary, language: language).split(textTokens + [vocabulary.endOfText])
        guard words.count > 1, !path.isEmpty else { return [] }
        // The frame at which the path first reaches each text row: where that token starts.
        let tokensPerSecond = Double(WhisperTiming.framesPerSecond / WhisperTiming.inputStride)
        var jumpTimes: [Double] = []
        for (index, step) in path.enumerated() where index == 0 || step.row != path[index - 1].row {
            jumpTimes.append(Double(step.frame) / tokensPerSecond)
        }
        var aligned: [Aligned] = []
        var boundary = 0
        for word in words.dropLast() {
            let end = boundary + word.tokens.count
            guard end < jumpTimes.count, end <= reading.probabilities.count else { break }
            let probabilities = reading.probabilities[boundary..<end].map(Double.init)
            aligned.append(Aligned(word: word.word, tokens: word.tokens, start: jumpTimes[boundary], end: jumpTimes[end],
                                   probability: probabilities.reduce(0, +) / Double(probabilities.count)))
            boundary = end
        }
        return aligned
    }

    /// Opening punctuation joins the word after it and closing punctuation the word before
    /// (`merge_punctuations`); the emptied entries stay, holding no text and no tokens.
    func mergePunctuation(_ alignment: inout [Aligned]) {
        var i = alignment.count - 2, j = alignment.count - 1
        while i >= 0 {
            let previous = alignment[i]
            if previous.word.hasPrefix(" ") && Self.isSubstring(PythonText.strip(previous.word), of: prependPunctuations) {
                alignment[j].word = previous.word + alignment[j].word
                alignment[j].tokens = previous.tokens + alignment[j].tokens
                alignment[i].word = ""
                alignment[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0
        j = 1
        while j < alignment.count {
            let following = alignment[j]
            if !alignment[i].word.hasSuffix(" ") && Self.isSubstring(following.word, of: appendPunctuations) {
                alignment[i].word += following.word
                alignment[i].tokens += following.tokens
                alignment[j].word = ""
                alignment[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }

    /// Python's `needle in haystack` for strings: the empty string is in every string.
    static func isSubstring(_ needle: String, of haystack: String) -> Bool {
        needle.isEmpty || haystack.contains(needle)
    }

    /// numpy's median: the mean of the middle two of an even count; 0 for none.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Python's `round(x, 2)`, to the nearest 10 ms.
    static func centiseconds(_ seconds: Double) -> Double {
        (seconds * 100).rounded(.toNearestOrEven) / 100
    }
}
