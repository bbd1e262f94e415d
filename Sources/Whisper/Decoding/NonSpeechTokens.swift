/// The tokens behind `suppress_tokens = [-1]`: symbols that Whisper emits for speaker tags,
/// music and non-speech annotations ("♪♪♪", "( SPEAKING FOREIGN LANGUAGE )", "[DAVID]"), which
/// are never actually spoken, while keeping ordinary punctuation.
///
/// This follows faster-whisper's `Tokenizer.non_speech_tokens` (which follows OpenAI's): a
/// symbol is suppressed when it encodes to a single token, alone or after a space; the musical
/// symbols U+2669...U+266F are suppressed by their first token even when they take several,
/// which is safe because they share their first two UTF-8 bytes. Hyphens and apostrophes stay
/// allowed between words but not at the start of one.
public enum NonSpeechTokens {
    static let symbols: [String] =
        "\"#()*+/:;<=>@[\\]^_`{|}~「」『』".map { String($0) }
        + ["<<", ">>", "<<<", ">>>", "--", "---", "-(", "-[", "('", "(\"", "((", "))", "(((", ")))",
           "[[", "]]", "{{", "}}", "♪♪", "♪♪♪"]

    static let musicalSymbols: [String] = ["♩", "♪", "♫", "♬", "♭", "♮", "♯"]

    /// The sorted, de-duplicated token ids to suppress, given the tokenizer's `encode`.
    public static func compute(encode: (String) -> [Int]) -> [Int] {
        var result = Set<Int>()
        for leading in [" -", " '"] {
            if let first = encode(leading).first { result.insert(first) }
        }
        for symbol in symbols + musicalSymbols {
            let alwaysFirst = musicalSymbols.contains(symbol)
            for tokens in [encode(symbol), encode(" " + symbol)] where !tokens.isEmpty {
                if tokens.count == 1 || alwaysFirst { result.insert(tokens[0]) }
            }
        }
        return result.sorted()
    }
}
