import Foundation
import Whisper

/// A small Whisper vocabulary with the real one's structure, for tiny test models.
///
/// Layout (ids in order), mirroring the real vocabularies with the 50,000 learned merges cut
/// down to a handful:
///
/// ```
/// 0…255         the 256 byte tokens, in GPT-2's byte-to-unicode order (so a byte's token id is
///               the same as in the real vocabulary: "Ġ" (space) is 220, "!" is 0, byte 0 "Ā" is 188)
/// 256…          merged tokens: the first `merges.count` merges of the real tokenizer
///               ("Ġ t" → "Ġt" = 256, "Ġ a" → "Ġa" = 257, "h e" → "he" = 258, …, same ids as real)
/// eot           <|endoftext|>
/// eot+1         <|startoftranscript|>
/// …             language tokens <|en|>, <|zh|>, … (99; 100 with <|yue|> for the v3 flavour) —
///               English-only vocabularies have them too, as the real .en ones do
/// then          <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>,
///               <|nocaptions|> (<|nospeech|> for v3), <|notimestamps|>
/// then          1501 timestamps <|0.00|>, <|0.02|>, …, <|30.00|>; the last token is <|30.00|>
/// ```
///
/// Everything a Whisper tokenizer and CTranslate2 look up by name is present; relative positions
/// (`sot` = `eot` + 1, first language = `sot` + 1, timestamp begin = `notimestamps` + 1, last
/// token = <|30.00|>) hold as in the real ones. With 8 merges and 99 languages the vocabulary
/// has 1872 tokens. Text still tokenises (mostly byte by byte).
public struct TinyWhisperVocabulary: Sendable, Equatable {
    public enum Flavor: String, Sendable, CaseIterable {
        /// Like tiny.en … medium.en (CTranslate2 would call the real-size one English-only).
        case englishOnly
        /// Like tiny … large-v2: 99 languages, <|nocaptions|>.
        case multilingual
        /// Like large-v3: 100 languages (adds <|yue|>), <|nospeech|>.
        case multilingualV3

        public var isMultilingual: Bool { self != .englishOnly }
    }

    /// OpenAI Whisper's language codes in token order (the first 99; large-v3 adds "yue").
    public static let languageCodes: [String] = [
        "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi",
        "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la",
        "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy",
        "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be",
        "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
        "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su",
    ]

    /// The first merges of the real Whisper (GPT-2) tokenizer, in rank order.
    public static let defaultMerges: [String] = ["Ġ t", "Ġ a", "h e", "i n", "r e", "o n", "Ġt he", "e r"]

    public let flavor: Flavor
    /// BPE merges ("left right"), in rank order; merge `i` produces token `256 + i`.
    public let merges: [String]
    public let tokens: [String]
    public let languages: [String]

    public let endOfText: Int
    public let startOfTranscript: Int
    public let translate: Int
    public let transcribe: Int
    public let startOfLM: Int
    public let startOfPrevious: Int
    public let noSpeech: Int
    public let noTimestamps: Int
    public let timestampBegin: Int

    public init(flavor: Flavor = .englishOnly, merges: [String] = TinyWhisperVocabulary.defaultMerges) {
        self.flavor = flavor
        self.merges = merges
        var tokens = Self.byteTokens
        for merge in merges {
            tokens.append(merge.replacingOccurrences(of: " ", with: ""))
        }
        endOfText = tokens.count
        tokens.append("<|endoftext|>")
        startOfTranscript = tokens.count
        tokens.append("<|startoftranscript|>")
        languages = flavor == .multilingualV3 ? Self.languageCodes + ["yue"] : Self.languageCodes
        tokens += languages.map { "<|\($0)|>" }
        translate = tokens.count
        tokens.append("<|translate|>")
        transcribe = tokens.count
        tokens.append("<|transcribe|>")
        startOfLM = tokens.count
        tokens.append("<|startoflm|>")
        startOfPrevious = tokens.count
        tokens.append("<|startofprev|>")
        noSpeech = tokens.count
        tokens.append(flavor == .multilingualV3 ? "<|nospeech|>" : "<|nocaptions|>")
        noTimestamps = tokens.count
        tokens.append("<|notimestamps|>")
        timestampBegin = tokens.count
        for index in 0...1500 {
            let centiseconds = index * 2
            let fraction = centiseconds % 100
            tokens.append("<|\(centiseconds / 100).\(fraction < 10 ? "0" : "")\(fraction)|>")
        }
        self.tokens = tokens
    }

    /// Ids of the language tokens, in order.
    public var languageIDs: [Int] { Array((startOfTranscript + 1)..<(startOfTranscript + 1 + languages.count)) }

    /// The token id of a single byte.
    public static func byteTokenID(_ byte: UInt8) -> Int { byteToTokenID[Int(byte)] }

    /// GPT-2's byte-to-unicode table: printable Latin-1 bytes map to themselves, the other 68
    /// bytes to U+0100…U+0143; the vocabulary lists them printable ones first.
    public static let byteTokens: [String] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var order = printable
        var characters = printable
        var next = 256
        for byte in 0..<256 where !printable.contains(byte) {
            order.append(byte)
            characters.append(next)
            next += 1
        }
        return characters.map { String(Character(Unicode.Scalar($0)!)) }
    }()

    private static let byteToTokenID: [Int] = {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        let order = printable + (0..<256).filter { !printable.contains($0) }
        var table = [Int](repeating: 0, count: 256)
        for (id, byte) in order.enumerated() { table[byte] = id }
        return table
    }()

    /// The `config.json` a converter would write for a model with this vocabulary.
    ///
    /// - `suppress_ids`: the byte tokens of the non-speech symbols `"#()*+/:;<=>@[\]^_`{|}~`
    ///   (as in the real list, whose first entries are these same ids 1, 2, 7, 8, …), the lead
    ///   bytes 0xE2 and 0xE3 of ♪-like symbols and 「」『』, and the special tokens
    ///   <|startoftranscript|>, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>,
    ///   <|nocaptions|>; sorted.
    /// - `suppress_ids_begin`: [220 (space), <|endoftext|>], as in every real model.
    /// - `lang_ids`: the language tokens.
    /// - `alignment_heads`: every head of the second half of the decoder layers (OpenAI's
    ///   default when a model has no tuned list).
    /// - `is_multilingual`: the flavour (an Auris key; CTranslate2 ignores it).
    public func config(decoderLayers: Int, decoderHeads: Int) -> WhisperModelConfig {
        let symbols = Array("\"#()*+/:;<=>@[\\]^_`{|}~".utf8)
        var suppress = Set(symbols.map(Self.byteTokenID))
        suppress.insert(Self.byteTokenID(0xE2))
        suppress.insert(Self.byteTokenID(0xE3))
        suppress.formUnion([startOfTranscript, translate, transcribe, startOfLM, startOfPrevious, noSpeech])
        var heads: [WhisperModelConfig.AlignmentHead] = []
        for layer in (decoderLayers / 2)..<decoderLayers {
            for head in 0..<decoderHeads { heads.append(.init(layer: layer, head: head)) }
        }
        return WhisperModelConfig(
            suppressIDs: suppress.sorted(),
            suppressIDsBegin: [Self.byteTokenID(UInt8(ascii: " ")), endOfText],
            langIDs: languageIDs,
            alignmentHeads: heads,
            isMultilingual: flavor.isMultilingual
        )
    }

    /// A Hugging Face `tokenizer.json` (byte-level BPE, the same shape as Whisper's), so that
    /// `tokenizers`/faster-whisper load the tiny model too. Special tokens and timestamps are
    /// added tokens; the BPE vocabulary holds the byte tokens, the merged tokens and
    /// <|endoftext|>, as in the real file.
    public func tokenizerJSON() -> Data {
        var vocabulary: [String: Int] = [:]
        for id in 0...endOfText { vocabulary[tokens[id]] = id }
        let added: [[String: Any]] = (endOfText..<tokens.count).map { id in
            [
                "id": id, "content": tokens[id], "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": id < timestampBegin,
            ]
        }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
        var decoder = byteLevel
        decoder["add_prefix_space"] = true
        let object: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": NSNull(),
            "pre_tokenizer": byteLevel,
            "post_processor": NSNull(),
            "decoder": decoder,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "vocab": vocabulary, "merges": merges,
            ] as [String: Any],
        ]
        var data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
