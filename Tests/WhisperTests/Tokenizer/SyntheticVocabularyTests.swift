import DeviceMemory
import Foundation
import Tensor
import Testing
@testable import Whisper
import WhisperTestKit

/// A small vocabulary laid out like Whisper's (bytes, merges, then special tokens), with ids that
/// differ from every real model's, so that nothing can pass by hard-coded numbers.
private enum Synthetic {
    static let byteTokens = (0...255).map { ByteLevelAlphabet.tokenString(ofBytes: [UInt8($0)]) }
    static let mergedTokens = ["Ġt", "he", "Ġthe", "in", "Ġin", "xy", "yz", "xyz"]
    static let specials = [
        "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|de|>", "<|haw|>", "<|translate|>",
        "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>",
    ]
    static let timestamps = (0...5).map { "<|0.\(String(format: "%02d", $0 * 2))|>" }
    static let vocabulary = byteTokens + mergedTokens + specials + timestamps
    static let merges: [(String, String)] = [
        ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "in"), ("x", "y"), ("y", "z"), ("x", "yz"),
    ]

    static func id(_ token: String) -> Int { vocabulary.firstIndex(of: token)! }

    /// The same layout padded with extra timestamp tokens to the size of a multilingual vocabulary.
    static let multilingualVocabulary: [String] = {
        var vocabulary = Synthetic.vocabulary
        var step = timestamps.count
        while vocabulary.count < 51865 {
            vocabulary.append("<|\(WhisperTokenizer.formatTimestamp(steps: step))|>")
            step += 1
        }
        return vocabulary
    }()
}

@Suite("WhisperTokenizer on a synthetic vocabulary")
struct SyntheticVocabularyTests {
    let tokenizer = try! WhisperTokenizer(vocabulary: Synthetic.vocabulary, merges: Synthetic.merges)

    @Test("special tokens are found by their text")
    func specialTokens() {
        #expect(tokenizer.vocabularySize == Synthetic.vocabulary.count)
        #expect(tokenizer.endOfText == Synthetic.id("<|endoftext|>"))
        #expect(tokenizer.startOfTranscript == Synthetic.id("<|startoftranscript|>"))
        #expect(tokenizer.translate == Synthetic.id("<|translate|>"))
        #expect(tokenizer.transcribe == Synthetic.id("<|transcribe|>"))
        #expect(tokenizer.startOfLM == Synthetic.id("<|startoflm|>"))
        #expect(tokenizer.startOfPrevious == Synthetic.id("<|startofprev|>"))
        #expect(tokenizer.noSpeech == Synthetic.id("<|nocaptions|>"))
        #expect(tokenizer.noTimestamps == Synthetic.id("<|notimestamps|>"))
        #expect(tokenizer.timestampBegin == Synthetic.id("<|0.00|>"))
        #expect(tokenizer.timestampEnd == Synthetic.vocabulary.count - 1)
        #expect(tokenizer.languageCodes == ["en", "de", "haw"])
        #expect(tokenizer.languageToken("de") == Synthetic.id("<|de|>"))
        #expect(tokenizer.languageToken("fr") == nil)
        #expect(tokenizer.languageCode(of: Synthetic.id("<|haw|>")) == "haw")
        #expect(tokenizer.languageCode(of: tokenizer.transcribe) == nil)
        #expect(!tokenizer.isMultilingual)
        #expect(tokenizer.usesMergeList)
    }

    @Test("<|nospeech|> is preferred over <|nocaptions|>")
    func noSpeechPreferred() throws {
        let vocabulary = Synthetic.vocabulary + ["<|nospeech|>"]
        let tokenizer = try WhisperTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.noSpeech == vocabulary.count - 1)
    }

    @Test("a vocabulary without <|endoftext|> is refused")
    func missingSpecial() {
        let vocabulary = Synthetic.vocabulary.filter { $0 != "<|endoftext|>" }
        #expect(throws: WhisperError.missingSpecialToken("<|endoftext|>")) {
            try WhisperTokenizer(vocabulary: vocabulary)
        }
    }

    @Test("English-only start sequence is [sot] whatever the language and task")
    func englishOnlySotSequence() throws {
        #expect(try tokenizer.checkedSotSequence() == [tokenizer.startOfTranscript])
        #expect(tokenizer.sotSequence(language: "de", task: .translate) == [tokenizer.startOfTranscript])
        #expect(try tokenizer.checkedSotSequence(language: nil) == [tokenizer.startOfTranscript])
        #expect(try tokenizer.checkedSotSequence(language: "xx") == [tokenizer.startOfTranscript])
    }

    @Test("multilingual start sequence is [sot, language, task]")
    func multilingualSotSequence() throws {
        let tokenizer = try WhisperTokenizer(vocabulary: Synthetic.multilingualVocabulary)
        #expect(tokenizer.isMultilingual)
        #expect(
            tokenizer.sotSequence(language: "de", task: .translate)
                == [tokenizer.startOfTranscript, Synthetic.id("<|de|>"), tokenizer.translate])
        #expect(
            try tokenizer.checkedSotSequence(language: "en")
                == [tokenizer.startOfTranscript, Synthetic.id("<|en|>"), tokenizer.transcribe])
        #expect(throws: WhisperError.unsupportedLanguage("fr")) {
            try tokenizer.checkedSotSequence(language: "fr")
        }
        #expect(throws: WhisperError.unsupportedLanguage(nil)) {
            try tokenizer.checkedSotSequence(language: nil)
        }
        // The protocol form never throws: an unknown language is left out.
        #expect(
            tokenizer.sotSequence(language: "fr", task: .transcribe)
                == [tokenizer.startOfTranscript, tokenizer.transcribe])
        #expect(tokenizer.languageTokens.map(\.code) == ["en", "de", "haw"])
        #expect(tokenizer.languageTokens.map(\.token) == ["<|en|>", "<|de|>", "<|haw|>"].map(Synthetic.id))
    }

    @Test("conforms to WhisperVocabulary with the blank tokens of the vocabulary")
    func vocabularyConformance() throws {
        let vocabulary: any WhisperVocabulary = tokenizer
        #expect(vocabulary.blankSuppressTokens == [Synthetic.id("Ġ"), tokenizer.endOfText])
        #expect(vocabulary.startOfLM == tokenizer.startOfLM)
        #expect(vocabulary.nonSpeechTokens == tokenizer.nonSpeechTokens)
        let configured = try WhisperTokenizer(vocabulary: Synthetic.vocabulary, suppressBlankIds: [1, 2])
        #expect((configured as any WhisperVocabulary).blankSuppressTokens == [1, 2])
    }

    @Test("BPE applies merges by rank")
    func bpe() {
        #expect(tokenizer.encode(" the") == [Synthetic.id("Ġthe")])
        #expect(tokenizer.encode(" in") == [Synthetic.id("Ġin")])
        #expect(tokenizer.encode("the") == [Synthetic.id("t"), Synthetic.id("he")])
        #expect(tokenizer.encode("") == [])
        #expect(
            tokenizer.encode("the<|endoftext|> in")
                == [Synthetic.id("t"), Synthetic.id("he"), tokenizer.endOfText, Synthetic.id("Ġin")])
        // Timestamp text is not a special token inside encoded text.
        #expect(tokenizer.encode("<|0.00|>").count > 1)
    }

    @Test("the merge list is authoritative; without it any pair forming a token merges")
    func mergeListVersusVocabularyRanks() throws {
        // x y z: the merge list has (x, y) first, then no (xy, z): two tokens.
        #expect(tokenizer.encode("xyz") == [Synthetic.id("xy"), Synthetic.id("z")])
        // From the vocabulary alone, xy + z forms the token xyz.
        let vocabularyOnly = try WhisperTokenizer(vocabulary: Synthetic.vocabulary)
        #expect(!vocabularyOnly.usesMergeList)
        #expect(vocabularyOnly.encode("xyz") == [Synthetic.id("xyz")])
        #expect(vocabularyOnly.encode(" the") == [Synthetic.id("Ġthe")])
    }

    @Test("decoding drops special tokens and joins bytes before reading UTF-8")
    func decoding() {
        let e = Array("é".utf8).map { Synthetic.id(ByteLevelAlphabet.tokenString(ofBytes: [$0])) }
        #expect(tokenizer.decode([tokenizer.startOfTranscript] + e + [tokenizer.endOfText]) == "é")
        #expect(tokenizer.decode([e[0]]) == "\u{FFFD}")
        #expect(tokenizer.decode([Synthetic.id("Ġthe"), -5, 1_000_000]) == " the")
        #expect(
            tokenizer.decodeWithTimestamps([tokenizer.timestampBegin, Synthetic.id("Ġthe"), tokenizer.timestampBegin + 5])
                == "<|0.00|> the<|0.10|>")
    }

    @Test("timestamps are 0.02 s steps")
    func timestamps() {
        #expect(tokenizer.timestamp(of: tokenizer.timestampBegin) == 0)
        #expect(abs(tokenizer.timestamp(of: tokenizer.timestampBegin + 5) - 0.1) < 1e-12)
        #expect(tokenizer.isTimestamp(tokenizer.timestampBegin))
        #expect(!tokenizer.isTimestamp(tokenizer.noTimestamps))
        #expect(tokenizer.timestampToken(at: 0.061) == tokenizer.timestampBegin + 3)
        #expect(tokenizer.timestampToken(at: -1) == tokenizer.timestampBegin)
        #expect(tokenizer.timestampToken(at: 1e9) == tokenizer.timestampEnd)
    }

    @Test("suppression adds the task and start tokens, and keeps an empty list empty")
    func suppression() {
        let specials = [
            tokenizer.transcribe, tokenizer.translate, tokenizer.startOfTranscript,
            tokenizer.startOfPrevious, tokenizer.startOfLM, tokenizer.noSpeech,
        ].sorted()
        #expect(tokenizer.suppressTokens([]) == [])
        #expect(tokenizer.suppressTokens([7]) == ([7] + specials).sorted())
        #expect(tokenizer.suppressTokens([-1]) == Array(Set(tokenizer.nonSpeechTokens + specials)).sorted())
    }

    @Test("reads the tiny test models' vocabularies", arguments: TinyWhisperVocabulary.Flavor.allCases)
    func tinyTestVocabulary(flavor: TinyWhisperVocabulary.Flavor) throws {
        let tiny = TinyWhisperVocabulary(flavor: flavor)
        let merges = tiny.merges.map { line -> (String, String) in
            let parts = line.split(separator: " ").map(String.init)
            return (parts[0], parts[1])
        }
        for tokenizer in [
            try WhisperTokenizer(vocabulary: tiny.tokens, isMultilingual: flavor.isMultilingual),
            try WhisperTokenizer(vocabulary: tiny.tokens, merges: merges, isMultilingual: flavor.isMultilingual),
        ] {
            #expect(tokenizer.isMultilingual == flavor.isMultilingual)
            #expect(tokenizer.endOfText == tiny.endOfText)
            #expect(tokenizer.startOfTranscript == tiny.startOfTranscript)
            #expect(tokenizer.translate == tiny.translate)
            #expect(tokenizer.transcribe == tiny.transcribe)
            #expect(tokenizer.startOfLM == tiny.startOfLM)
            #expect(tokenizer.startOfPrevious == tiny.startOfPrevious)
            #expect(tokenizer.noSpeech == tiny.noSpeech)
            #expect(tokenizer.noTimestamps == tiny.noTimestamps)
            #expect(tokenizer.timestampBegin == tiny.timestampBegin)
            #expect(tokenizer.languageTokens.map(\.code) == tiny.languages)
            #expect(tokenizer.languageTokens.map(\.token) == tiny.languageIDs)
            // "Ġt he" is the seventh merge: token 262, as in the real vocabulary.
            #expect(tokenizer.encode(" the") == [262])
            #expect(tokenizer.decode(tokenizer.encode(" there, é!")) == " there, é!")
        }
    }

    @Test("loads vocabulary.txt, vocabulary.json and checks tokenizer.json")
    func loadingFromDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("auris-tokenizer-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        #expect(throws: WhisperError.missingVocabulary(directory: directory.path)) {
            try WhisperTokenizer(modelDirectory: directory)
        }

        let text = Synthetic.vocabulary.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent("vocabulary.txt"))
        let fromText = try WhisperTokenizer(modelDirectory: directory)
        #expect(fromText.vocabularySize == Synthetic.vocabulary.count)
        #expect(!fromText.usesMergeList)
        #expect(fromText.encode("xyz") == [Synthetic.id("xyz")])

        let config = #"{"suppress_ids": [1, 2], "suppress_ids_begin": [220, 50256], "lang_ids": [], "is_multilingual": true}"#
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        var vocab: [String: Int] = [:]
        for (id, token) in Synthetic.vocabulary.enumerated() where id < Synthetic.id("<|endoftext|>") {
            vocab[token] = id
        }
        let tokenizerJSON: [String: Any] = [
            "model": [
                "type": "BPE", "vocab": vocab,
                "merges": Synthetic.merges.map { "\($0.0) \($0.1)" },
            ],
            "added_tokens": [["id": Synthetic.id("<|endoftext|>"), "content": "<|endoftext|>", "special": true]],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
        ]
        try JSONSerialization.data(withJSONObject: tokenizerJSON)
            .write(to: directory.appendingPathComponent("tokenizer.json"))
        let withMerges = try WhisperTokenizer(modelDirectory: directory)
        #expect(withMerges.usesMergeList)
        #expect(withMerges.encode("xyz") == [Synthetic.id("xy"), Synthetic.id("z")])
        #expect(withMerges.configSuppressIds == [1, 2])
        #expect(withMerges.configSuppressBlankIds == [220, 50256])
        #expect(withMerges.isMultilingual)
        #expect(!fromText.isMultilingual)
        // Only listed added tokens are recognised in text.
        #expect(withMerges.encode("<|en|>").count > 1)

        // Newer converters write vocabulary.json, which wins over vocabulary.txt.
        let shifted = ["<|nospeech|>"] + Synthetic.vocabulary
        try JSONSerialization.data(withJSONObject: shifted)
            .write(to: directory.appendingPathComponent("vocabulary.json"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("tokenizer.json"))
        let fromJSON = try WhisperTokenizer(modelDirectory: directory)
        #expect(fromJSON.vocabularySize == shifted.count)
        #expect(fromJSON.noSpeech == 0)
        #expect(fromJSON.endOfText == Synthetic.id("<|endoftext|>") + 1)

        // A tokenizer.json whose ids disagree with the vocabulary is refused.
        try JSONSerialization.data(withJSONObject: tokenizerJSON)
            .write(to: directory.appendingPathComponent("tokenizer.json"))
        #expect(throws: WhisperError.self) {
            try WhisperTokenizer(modelDirectory: directory)
        }
    }
}

/// The model's checks and the tokenizer read a model directory's vocabulary the same way:
/// a vocabulary.txt saved with Windows line endings loads, with no `\r` in any token.
@Suite("One vocabulary reader")
struct VocabularyReaderTests {
    @Test func windowsLineEndingsReadTheSameEverywhere() throws {
        let directory = try TemporaryDirectory("crlf")
        _ = try TinyWhisperModel.write(to: directory.url, seed: 2)
        let file = directory.file("vocabulary.txt")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)

        let forModel = try ModelVocabularyFile.read(in: directory.url)
        let forTokenizer = try WhisperTokenizer.readVocabulary(in: directory.url)
        #expect(forModel == forTokenizer)
        #expect(!forModel.contains { $0.hasSuffix("\r") })
        #expect(forModel.count == text.split(separator: "\n", omittingEmptySubsequences: false).count - 1)
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        #expect(try WhisperEngine(directory: directory.url, backend: backend).tokenizer.vocabularySize == forModel.count)
    }
}
