// The tokenizer as decoding sees it (`WhisperVocabulary`), plus prompt and suppression helpers
// that reproduce faster-whisper through the shared decoding code.

extension WhisperTokenizer: WhisperVocabulary {
    /// The start-of-transcript sequence, as faster-whisper builds it: `[sot]` for English-only
    /// models (which ignore `language` and `task`), `[sot, <|language|>, <|task|>]` for
    /// multilingual ones. A language the vocabulary lacks is left out rather than guessed; callers
    /// check languages first (`languageToken(_:)`), or use `checkedSotSequence` to get an error.
    public func sotSequence(language: String?, task: WhisperTask) -> [Int] {
        guard isMultilingual else { return [startOfTranscript] }
        let languageId = language.flatMap { storage.languageIds[$0] }
        return [startOfTranscript] + (languageId.map { [$0] } ?? []) + [task == .translate ? translate : transcribe]
    }

    /// Tokens that `suppress_blank` forbids as the first sampled token: `suppress_ids_begin` from
    /// the model's `config.json` when present (CTranslate2 reads them from there), else the space
    /// and `<|endoftext|>`, which is what every converter writes.
    public var blankSuppressTokens: [Int] {
        configSuppressBlankIds.isEmpty ? encode(" ") + [endOfText] : configSuppressBlankIds
    }
}

extension WhisperTokenizer {
    /// `sotSequence(language:task:)`, but a multilingual model throws
    /// `WhisperError.unsupportedLanguage` for a language it has no token for, or none.
    public func checkedSotSequence(language: String? = "en", task: WhisperTask = .transcribe) throws -> [Int] {
        if isMultilingual && language.flatMap({ storage.languageIds[$0] }) == nil {
            throw WhisperError.unsupportedLanguage(language)
        }
        return sotSequence(language: language, task: task)
    }

    /// The tokens to suppress for a requested `suppress_tokens` list, as faster-whisper's
    /// `get_suppressed_tokens` resolves it (see `SuppressedTokens`): -1 stands for
    /// `nonSpeechTokens`; any non-empty list gains the task, start and no-speech tokens; an empty
    /// list stays empty. Sorted, without duplicates.
    public func suppressTokens(_ requested: [Int] = [-1]) -> [Int] {
        SuppressedTokens.resolve(requested, vocabulary: self)
    }

    /// The tokens of an initial prompt given as text: `" " + text.strip()`, encoded. faster-whisper
    /// puts them before the first window as if they were previous text.
    public func initialPromptTokens(_ text: String) -> [Int] {
        encode(" " + PythonText.strip(text))
    }

    /// The decoder prompt of one window, as faster-whisper's `get_prompt` builds it (see
    /// `PromptBuilder`): `[<|startofprev|>, hotwords…, previous…]` when there is previous text (or
    /// hotwords and no prefix), the start-of-transcript sequence (`[sot]` for English-only
    /// models), `<|notimestamps|>` when timestamps are off, then `[<|0.00|>,] prefix…`.
    public func prompt(
        previousTokens: [Int] = [],
        withoutTimestamps: Bool = false,
        prefix: String? = nil,
        hotwords: String? = nil,
        language: String? = "en",
        task: WhisperTask = .transcribe
    ) throws -> [Int] {
        PromptBuilder.prompt(
            vocabulary: self,
            sotSequence: try checkedSotSequence(language: language, task: task),
            previousTokens: previousTokens[...],
            withoutTimestamps: withoutTimestamps,
            prefix: prefix,
            hotwords: hotwords
        )
    }
}
