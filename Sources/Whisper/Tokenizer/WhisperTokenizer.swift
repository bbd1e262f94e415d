/// The Whisper tokenizer: GPT-2 byte-level BPE plus Whisper's special tokens, behaving as
/// faster-whisper's `Tokenizer` over Hugging Face `tokenizers` does.
///
/// Ids are the line numbers of the model's vocabulary (0-based); every special token is found by
/// its text, never by a fixed number, so English-only and multilingual vocabularies (whose special
/// ids differ by one) both work. Encoding uses the merges of `tokenizer.json` when the model
/// directory has one, and otherwise the ranks implied by the vocabulary's order (see
/// `BytePairEncoder`).
///
/// It is the `WhisperVocabulary` that decoding uses (see `WhisperTokenizer+Vocabulary.swift`).
public struct WhisperTokenizer: Sendable {
    /// Seconds per timestamp step.
    public static let secondsPerTimestamp = 0.02

    // MARK: Special tokens

    /// Number of tokens in the vocabulary (the length of a logits row).
    public let vocabularySize: Int
    /// `<|endoftext|>`: ends a transcript; every id at or above it is special.
    public let endOfText: Int
    /// `<|startoftranscript|>`.
    public let startOfTranscript: Int
    /// `<|translate|>`.
    public let translate: Int
    /// `<|transcribe|>`.
    public let transcribe: Int
    /// `<|startoflm|>`.
    public let startOfLM: Int
    /// `<|startofprev|>`: precedes the previous text (or prompt) in a decoder prompt.
    public let startOfPrevious: Int
    /// `<|nospeech|>`, or `<|nocaptions|>` in older vocabularies such as tiny.en's.
    public let noSpeech: Int
    /// `<|notimestamps|>`.
    public let noTimestamps: Int
    /// `<|0.00|>`: the first timestamp token; timestamps run from here to the end of the vocabulary.
    public let timestampBegin: Int
    /// Whether the model handles languages other than English and the translate task. As in
    /// CTranslate2, a Whisper vocabulary is multilingual when it has at least 51,865 tokens;
    /// English-only vocabularies (51,864) still hold language tokens but the model ignores them.
    /// `is_multilingual` in `config.json` (an Auris extension for tiny test models) overrides it.
    public let isMultilingual: Bool
    /// The language codes that have a token (`en`, `zh`, ...), in id order.
    public let languageCodes: [String]
    /// Token ids that the special value -1 of `suppress_tokens` stands for, as faster-whisper
    /// computes them (`NonSpeechTokens`): symbols and speaker or music markers that are never
    /// spoken. Sorted.
    public let nonSpeechTokens: [Int]
    /// `suppress_ids` from the model's `config.json` (what CTranslate2 itself would use for -1),
    /// empty when absent. faster-whisper expands -1 itself and never uses this list.
    public let configSuppressIds: [Int]
    /// `suppress_ids_begin` from `config.json`: tokens CTranslate2 suppresses at the first step when
    /// `suppress_blank` is on (for Whisper: the space and `<|endoftext|>`). Empty when absent.
    public let configSuppressBlankIds: [Int]
    /// Whether encoding uses an explicit merge list (from `tokenizer.json`) rather than the
    /// vocabulary's order.
    public let usesMergeList: Bool

    /// The last timestamp token (`<|30.00|>` for a 30-second window).
    public var timestampEnd: Int { vocabularySize - 1 }

    // MARK: Storage

    let storage: Storage

    final class Storage: Sendable {
        let tokens: [String]
        let tokenBytes: TokenByteTable
        let encoder: BytePairEncoder
        /// Special tokens recognised inside text being encoded, as UTF-8, with their ids.
        let addedTokens: [(bytes: [UInt8], id: Int)]
        let addedTokenFirstBytes: Set<UInt8>
        /// Prepend a space to each text piece before splitting (`add_prefix_space`).
        let addPrefixSpace: Bool
        /// Ids that decoding skips: special tokens (ids at or above `<|endoftext|>`).
        let firstSpecial: Int
        let idByToken: [String: Int]
        let languageIds: [String: Int]

        init(
            tokens: [String], tokenBytes: TokenByteTable, encoder: BytePairEncoder,
            addedTokens: [(bytes: [UInt8], id: Int)], addPrefixSpace: Bool, firstSpecial: Int,
            idByToken: [String: Int], languageIds: [String: Int]
        ) {
            self.tokens = tokens
            self.tokenBytes = tokenBytes
            self.encoder = encoder
            // Longest first, so that the first match at a position is the longest.
            self.addedTokens = addedTokens.sorted { $0.bytes.count > $1.bytes.count }
            self.addedTokenFirstBytes = Set(addedTokens.compactMap { $0.bytes.first })
            self.addPrefixSpace = addPrefixSpace
            self.firstSpecial = firstSpecial
            self.idByToken = idByToken
            self.languageIds = languageIds
        }
    }

    // MARK: Creation

    /// A tokenizer over an explicit vocabulary (`vocabulary[id]` is the token string, GPT-2
    /// byte-level alphabet for ordinary tokens).
    ///
    /// - Parameters:
    ///   - merges: BPE merges, highest priority first, as token-string pairs; nil to derive merge
    ///     ranks from the vocabulary order.
    ///   - addedTokens: special tokens to recognise inside encoded text; nil for every token from
    ///     `<|endoftext|>` up to (not including) the first timestamp, which is what Whisper's
    ///     `tokenizer.json` lists.
    ///   - addPrefixSpace: the `add_prefix_space` flag of the ByteLevel pre-tokenizer (false for
    ///     Whisper).
    ///   - suppressIds: `suppress_ids` from `config.json`.
    ///   - suppressBlankIds: `suppress_ids_begin` from `config.json`.
    ///   - isMultilingual: `is_multilingual` from `config.json`; nil to decide by vocabulary size.
    public init(
        vocabulary: [String],
        merges: [(String, String)]? = nil,
        addedTokens: [String]? = nil,
        addPrefixSpace: Bool = false,
        suppressIds: [Int] = [],
        suppressBlankIds: [Int] = [],
        isMultilingual: Bool? = nil
    ) throws {
        var idByToken: [String: Int] = [:]
        idByToken.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() where idByToken[token] == nil {
            idByToken[token] = id
        }
        func required(_ token: String) throws -> Int {
            guard let id = idByToken[token] else { throw WhisperError.missingSpecialToken(token) }
            return id
        }

        let endOfText = try required("<|endoftext|>")
        let noTimestamps = try required("<|notimestamps|>")
        let timestampBegin = idByToken["<|0.00|>"] ?? noTimestamps + 1
        self.vocabularySize = vocabulary.count
        self.endOfText = endOfText
        self.startOfTranscript = try required("<|startoftranscript|>")
        self.translate = try required("<|translate|>")
        self.transcribe = try required("<|transcribe|>")
        self.startOfLM = try required("<|startoflm|>")
        self.startOfPrevious = try required("<|startofprev|>")
        guard let noSpeech = idByToken["<|nospeech|>"] ?? idByToken["<|nocaptions|>"] else {
            throw WhisperError.missingSpecialToken("<|nospeech|>")
        }
        self.noSpeech = noSpeech
        self.noTimestamps = noTimestamps
        self.timestampBegin = timestampBegin
        self.isMultilingual = WhisperModelDirectory.isMultilingual(vocabularySize: vocabulary.count, configured: isMultilingual)
        self.configSuppressIds = suppressIds
        self.configSuppressBlankIds = suppressBlankIds

        // Language tokens: `<|xx|>` or `<|xxx|>` with lower-case ASCII letters, among the specials.
        var languageCodes: [String] = []
        var languageIds: [String: Int] = [:]
        for id in endOfText..<min(timestampBegin, vocabulary.count) {
            if let code = Self.languageCode(inToken: vocabulary[id]), languageIds[code] == nil {
                languageCodes.append(code)
                languageIds[code] = id
            }
        }
        self.languageCodes = languageCodes

        // Token bytes. Ordinary tokens are in the byte-level alphabet; special ones are plain text.
        let bytesOfTokens = vocabulary.map { ByteLevelAlphabet.bytes(ofTokenString: $0) }
        let table = TokenByteTable(bytesOfTokens)

        var byteTokens = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            let token = ByteLevelAlphabet.tokenString(ofBytes: [UInt8(byte)])
            guard let id = idByToken[token] else {
                throw WhisperError.missingSpecialToken("byte \(byte) (\(token))")
            }
            byteTokens[byte] = Int32(id)
        }

        let source: BytePairEncoder.Source
        if let merges {
            var table: [UInt64: BytePairEncoder.Merge] = [:]
            table.reserveCapacity(merges.count)
            for (rank, (left, right)) in merges.enumerated() {
                guard let leftId = idByToken[left], let rightId = idByToken[right],
                    let resultId = idByToken[left + right]
                else { continue }  // a merge whose tokens are not in the vocabulary cannot fire
                let key = BytePairEncoder.pairKey(Int32(leftId), Int32(rightId))
                if table[key] == nil {
                    table[key] = BytePairEncoder.Merge(rank: Int32(rank), result: Int32(resultId))
                }
            }
            source = .mergeList(table)
        } else {
            var ids: [[UInt8]: Int32] = [:]
            ids.reserveCapacity(endOfText)
            for id in 0..<endOfText where bytesOfTokens[id].count > 1 && ids[bytesOfTokens[id]] == nil {
                ids[bytesOfTokens[id]] = Int32(id)
            }
            source = .vocabularyRanks(ids)
        }
        self.usesMergeList = merges != nil

        let added: [(bytes: [UInt8], id: Int)]
        if let addedTokens {
            added = addedTokens.compactMap { token in
                idByToken[token].map { (Array(token.utf8), $0) }
            }
        } else {
            added = (endOfText..<min(timestampBegin, vocabulary.count)).map { (Array(vocabulary[$0].utf8), $0) }
        }

        let storage = Storage(
            tokens: vocabulary,
            tokenBytes: table,
            encoder: BytePairEncoder(source: source, byteTokens: byteTokens, tokenBytes: table),
            addedTokens: added.filter { !$0.bytes.isEmpty },
            addPrefixSpace: addPrefixSpace,
            firstSpecial: endOfText,
            idByToken: idByToken,
            languageIds: languageIds
        )
        self.storage = storage
        self.nonSpeechTokens = NonSpeechTokens.compute(encode: storage.encode)
    }

    static func languageCode(inToken token: String) -> String? {
        guard token.hasPrefix("<|"), token.hasSuffix("|>") else { return nil }
        let inner = token.dropFirst(2).dropLast(2)
        guard (2...3).contains(inner.count), inner.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
            return nil
        }
        return String(inner)
    }

    // MARK: Lookup

    /// The token string of `id` (GPT-2 byte-level alphabet for ordinary tokens), or nil when out of
    /// range.
    public func tokenString(_ id: Int) -> String? {
        storage.tokens.indices.contains(id) ? storage.tokens[id] : nil
    }

    /// The id of a token string, or nil.
    public func id(of tokenString: String) -> Int? {
        storage.idByToken[tokenString]
    }

    /// The id of `<|code|>`, or nil when the vocabulary has no such language.
    public func languageToken(_ code: String) -> Int? {
        storage.languageIds[code]
    }

    /// The language code of a language token, or nil.
    public func languageCode(of token: Int) -> String? {
        guard token >= endOfText, token < timestampBegin, let string = tokenString(token) else { return nil }
        return Self.languageCode(inToken: string)
    }

    /// Every language token with its code, in id order.
    public var languageTokens: [(code: String, token: Int)] {
        languageCodes.compactMap { code in storage.languageIds[code].map { (code: code, token: $0) } }
    }

    /// Whether `token` is special (`<|endoftext|>` or above, timestamps included).
    public func isSpecial(_ token: Int) -> Bool {
        token >= endOfText
    }

    /// Whether `token` is a timestamp token.
    public func isTimestamp(_ token: Int) -> Bool {
        token >= timestampBegin && token < vocabularySize
    }

    /// The time a timestamp token stands for, in seconds: 0.02 s per step after `<|0.00|>`
    /// (computed as faster-whisper does, `(token - timestampBegin) * 0.02`). Only meaningful for
    /// timestamp tokens; earlier ids give negative values.
    public func timestamp(of token: Int) -> Double {
        Double(token - timestampBegin) * Self.secondsPerTimestamp
    }

    /// The timestamp token nearest to `seconds`, clamped to the timestamp range.
    public func timestampToken(at seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return timestampBegin }
        let steps = (seconds / Self.secondsPerTimestamp).rounded()
        return min(timestampEnd, timestampBegin + Int(min(steps, Double(vocabularySize))))
    }
}
