/// The token ids a decoding pass never samples, resolved as faster-whisper's
/// `get_suppressed_tokens` does before it calls CTranslate2.
public enum SuppressedTokens {
    /// Resolves the user's list: nil or empty suppresses nothing at all (not even the special
    /// tokens, because faster-whisper then passes the list through untouched); otherwise -1 is
    /// replaced by the non-speech symbols and the task, start and no-speech tokens are added,
    /// since sampling any of them would derail the transcript.
    public static func resolve(_ requested: [Int]?, vocabulary: any WhisperVocabulary) -> [Int] {
        guard let requested, !requested.isEmpty else { return [] }
        var tokens = requested
        if tokens.contains(-1) {
            tokens = tokens.filter { $0 >= 0 } + vocabulary.nonSpeechTokens
        }
        tokens += [
            vocabulary.transcribe, vocabulary.translate, vocabulary.startOfTranscript,
            vocabulary.startOfPrevious, vocabulary.startOfLM, vocabulary.noSpeech,
        ]
        // CTranslate2 ignores negative ids other than -1.
        return Set(tokens.filter { $0 >= 0 }).sorted()
    }
}
