/// Groups text tokens into words as faster-whisper's tokenizer does (`split_to_word_tokens`):
/// first into the shortest runs that decode to whole characters, then, except for languages
/// written without spaces, runs are joined until one starts with a space or is punctuation.
struct WordSplitter {
    let vocabulary: any WhisperVocabulary
    /// The transcript's language: Chinese, Japanese, Thai, Lao, Burmese and Cantonese are split
    /// at every whole character instead.
    let language: String

    static let unspacedLanguages: Set<String> = ["zh", "ja", "th", "lo", "my", "yue"]
    /// Python's `string.punctuation`.
    static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

    /// The words of `tokens` (text tokens, then `<|endoftext|>`), and the tokens of each.
    func split(_ tokens: [Int]) -> [(word: String, tokens: [Int])] {
        let pieces = splitOnCharacters(tokens)
        guard !Self.unspacedLanguages.contains(language) else { return pieces }
        var words: [(word: String, tokens: [Int])] = []
        for piece in pieces {
            let special = piece.tokens[0] >= vocabulary.endOfText
            let withSpace = piece.word.hasPrefix(" ")
            // `subword.strip() in string.punctuation`: a substring test, so "" and ".," count.
            let stripped = PythonText.strip(piece.word)
            let isPunctuation = stripped.isEmpty || Self.punctuation.contains(stripped)
            if special || withSpace || isPunctuation || words.isEmpty {
                words.append(piece)
            } else {
                words[words.count - 1].word += piece.word
                words[words.count - 1].tokens += piece.tokens
            }
        }
        return words
    }

    /// The shortest runs of tokens that end on a whole character (`split_tokens_on_unicode`): a
    /// run is closed when its text has no replacement character, or when the replacement
    /// character is really there in the whole text at that position.
    func splitOnCharacters(_ tokens: [Int]) -> [(word: String, tokens: [Int])] {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let whole = Array(text(tokens).unicodeScalars)
        var pieces: [(word: String, tokens: [Int])] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = text(current)
            let scalars = Array(decoded.unicodeScalars)
            if let index = scalars.firstIndex(of: replacement) {
                let position = index + offset
                guard position < whole.count && whole[position] == replacement else { continue }
            }
            pieces.append((decoded, current))
            current = []
            offset += scalars.count
        }
        return pieces
    }

    /// Tokens as text, special tokens decoding to nothing (the tokenizer's `decode`).
    private func text(_ tokens: [Int]) -> String {
        vocabulary.decode(tokens.filter { $0 < vocabulary.endOfText })
    }
}
