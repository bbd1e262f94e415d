/// The GPT-2 pre-tokenizer: splits text into the pieces that byte-level BPE then encodes one by
/// one. It behaves as the regular expression that GPT-2, OpenAI's Whisper and the Hugging Face
/// `ByteLevel` pre-tokenizer (`use_regex: true`) all use, matched repeatedly from left to right:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// It is written as a scanner over Unicode scalars rather than a regular expression so that it
/// needs no regex engine and its behaviour is plain to read. `\s` is the Unicode `White_Space`
/// property (as in Oniguruma, which `tokenizers` uses), `\p{L}` the letter categories and
/// `\p{N}` the number categories.
enum GPT2PreTokenizer {
    /// The pieces of `text`, in order; concatenated they give `text` back.
    static func split(_ text: Substring) -> [Substring] {
        let scalars = text.unicodeScalars
        var pieces: [Substring] = []
        var start = scalars.startIndex
        while start < scalars.endIndex {
            let end = matchEnd(in: scalars, from: start)
            pieces.append(Substring(scalars[start..<end]))
            start = end
        }
        return pieces
    }

    static func split(_ text: String) -> [Substring] {
        split(text[...])
    }

    private enum Kind { case letter, number, whitespace, other }

    private static func kind(of scalar: Unicode.Scalar) -> Kind {
        if scalar.properties.isWhitespace { return .whitespace }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The end of the piece that starts at `start` (always past `start`).
    private static func matchEnd(
        in scalars: Substring.UnicodeScalarView, from start: Substring.UnicodeScalarView.Index
    ) -> Substring.UnicodeScalarView.Index {
        let end = scalars.endIndex
        let first = scalars[start]

        // 's 't 're 've 'm 'll 'd (lower case only, as in the pattern).
        if first == "'" {
            let afterQuote = scalars.index(after: start)
            if afterQuote < end {
                let second = scalars[afterQuote]
                let afterSecond = scalars.index(after: afterQuote)
                switch second {
                case "s", "t", "m", "d":
                    return afterSecond
                case "r", "v", "l":
                    let expected: Unicode.Scalar = second == "l" ? "l" : "e"
                    if afterSecond < end && scalars[afterSecond] == expected {
                        return scalars.index(after: afterSecond)
                    }
                default:
                    break
                }
            }
        }

        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional single space (U+0020 only),
        // then a run of one kind.
        var runStart = start
        if first == " " {
            let next = scalars.index(after: start)
            if next < end && kind(of: scalars[next]) != .whitespace {
                runStart = next
            }
        }
        let runKind = kind(of: scalars[runStart])
        if runKind != .whitespace {
            var index = scalars.index(after: runStart)
            while index < end && kind(of: scalars[index]) == runKind {
                index = scalars.index(after: index)
            }
            return index
        }

        // `\s+(?!\S)` then `\s+`: a whitespace run. If it reaches the end of the text it is taken
        // whole; otherwise its last scalar is left to start the next piece (so that a space can
        // join the word after it), unless the run is that one scalar.
        var index = scalars.index(after: start)
        var lastInRun = start
        while index < end && kind(of: scalars[index]) == .whitespace {
            lastInRun = index
            index = scalars.index(after: index)
        }
        if index == end || lastInRun == start {
            return index
        }
        return lastInRun
    }
}
