/// The task named in the start-of-transcript sequence of a multilingual model.
public enum WhisperTask: String, Sendable, Hashable, CaseIterable, Codable {
    /// Write down what is said, in the language it is said in.
    case transcribe
    /// Write down what is said, translated into English.
    case translate
}

/// What decoding needs from a Whisper tokenizer: the special token ids, text encoding and
/// decoding, and the start-of-transcript sequence.
///
/// The ids follow the layout of every Whisper vocabulary: text tokens, `<|endoftext|>`,
/// `<|startoftranscript|>`, the language tokens, `<|translate|>`, `<|transcribe|>`,
/// `<|startoflm|>`, `<|startofprev|>`, `<|nospeech|>` (or `<|nocaptions|>` in older
/// vocabularies), `<|notimestamps|>`, then the timestamp tokens `<|0.00|>` ... `<|30.00|>`.
/// Members with a default (`startOfLM`, `blankSuppressTokens`, `nonSpeechTokens`,
/// `languageTokens`) reproduce faster-whisper; a tokenizer overrides them only to read the
/// same values from the model (for instance `suppress_ids_begin` in CTranslate2's
/// `config.json`).
public protocol WhisperVocabulary: Sendable {
    /// `<|endoftext|>`: ends a transcript; every id from here on is special.
    var endOfText: Int { get }
    /// `<|startoftranscript|>`.
    var startOfTranscript: Int { get }
    /// `<|translate|>`.
    var translate: Int { get }
    /// `<|transcribe|>`.
    var transcribe: Int { get }
    /// `<|startoflm|>`; by default the id just before `<|startofprev|>`.
    var startOfLM: Int { get }
    /// `<|startofprev|>`: introduces the previous text given as a prompt.
    var startOfPrevious: Int { get }
    /// `<|nospeech|>` (`<|nocaptions|>` in older vocabularies).
    var noSpeech: Int { get }
    /// `<|notimestamps|>`.
    var noTimestamps: Int { get }
    /// `<|0.00|>`, the first timestamp token (`noTimestamps + 1`).
    var timestampBegin: Int { get }
    /// Whether the model knows languages other than English (and so has language and task
    /// tokens in its start-of-transcript sequence).
    var isMultilingual: Bool { get }
    /// The id of `<|code|>` for a language code such as `"en"`, or nil if the vocabulary has
    /// no such language.
    func languageToken(_ code: String) -> Int?
    /// Text to token ids, without special tokens (`add_special_tokens=False`).
    func encode(_ text: String) -> [Int]
    /// Token ids to text. Decoding only ever passes text tokens (ids below `endOfText`).
    func decode(_ tokens: [Int]) -> String
    /// `[<|startoftranscript|>, <|language|>, <|task|>]` for a multilingual model,
    /// `[<|startoftranscript|>]` for an English-only one.
    func sotSequence(language: String?, task: WhisperTask) -> [Int]

    /// The tokens that `suppress_blank` forbids as the first sampled token. CTranslate2 reads
    /// them from `suppress_ids_begin` in the model's `config.json`; every converter writes
    /// `encode(" ") + [endOfText]` there, which is the default.
    var blankSuppressTokens: [Int] { get }
    /// The symbols that `suppress_tokens = [-1]` stands for, computed as faster-whisper's
    /// `Tokenizer.non_speech_tokens` does (by default from `encode`).
    var nonSpeechTokens: [Int] { get }
    /// Every language of the model with its token, in token order (the order of CTranslate2's
    /// `lang_ids`); by default the known Whisper codes that `languageToken` resolves.
    var languageTokens: [(code: String, token: Int)] { get }
}

extension WhisperVocabulary {
    public var startOfLM: Int { startOfPrevious - 1 }

    public var blankSuppressTokens: [Int] { encode(" ") + [endOfText] }

    public var nonSpeechTokens: [Int] { NonSpeechTokens.compute(encode: encode) }

    public var languageTokens: [(code: String, token: Int)] {
        WhisperLanguages.codes
            .compactMap { code in languageToken(code).map { (code: code, token: $0) } }
            .sorted { $0.token < $1.token }
    }
}
