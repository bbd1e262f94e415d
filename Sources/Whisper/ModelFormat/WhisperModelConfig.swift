import Foundation

/// The `config.json` of a CTranslate2 Whisper model (`WhisperConfig` in
/// `ctranslate2/specs/whisper_spec.py`). All four fields are written by the converter, possibly
/// as `null`; a missing or null suppression list reads as empty (CTranslate2 then suppresses
/// nothing), a missing `lang_ids` or `alignment_heads` as nil.
public struct WhisperModelConfig: Sendable, Equatable {
    /// One cross-attention head whose attention follows word timing (used for word timestamps).
    public struct AlignmentHead: Sendable, Equatable, Hashable {
        public var layer: Int
        public var head: Int
        public init(layer: Int, head: Int) {
            self.layer = layer
            self.head = head
        }
    }

    /// Tokens never sampled: non-speech symbols and the task/special tokens (`suppress_ids`,
    /// what `suppress_tokens=[-1]` expands to).
    public var suppressIDs: [Int]
    /// Tokens not allowed as the first sampled token (blank and end-of-text; `suppress_ids_begin`).
    public var suppressIDsBegin: [Int]
    /// The language tokens, in the order of the model's language head (`lang_ids`).
    public var langIDs: [Int]?
    /// Cross-attention heads for word alignment (`alignment_heads`, `[layer, head]` pairs).
    public var alignmentHeads: [AlignmentHead]?
    /// Auris extension written by `TinyWhisperModel` (CTranslate2 ignores unknown keys): whether
    /// the model is multilingual, for vocabularies too small for the size rule.
    public var isMultilingual: Bool?

    public init(suppressIDs: [Int], suppressIDsBegin: [Int], langIDs: [Int]? = nil, alignmentHeads: [AlignmentHead]? = nil, isMultilingual: Bool? = nil) {
        self.suppressIDs = suppressIDs
        self.suppressIDsBegin = suppressIDsBegin
        self.langIDs = langIDs
        self.alignmentHeads = alignmentHeads
        self.isMultilingual = isMultilingual
    }

    /// Reads `config.json`.
    public init(contentsOf url: URL) throws(WhisperError) {
        try self.init(jsonData: Self.readFile(url, what: "model configuration"), path: url.path)
    }

    /// Parses the JSON text of a `config.json`; `path` is used in errors.
    public init(jsonData: Data, path: String = "config.json") throws(WhisperError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: jsonData, options: [])
        } catch {
            throw WhisperError(.invalidConfig, "\(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw WhisperError(.invalidConfig, "\(path) must hold a JSON object")
        }

        func integers(_ key: String) throws(WhisperError) -> [Int]? {
            guard let value = dictionary[key], !(value is NSNull) else { return nil }
            guard let array = value as? [Any] else {
                throw WhisperError(.invalidConfig, "\(path): \(key) must be a list of token ids")
            }
            var result: [Int] = []
            result.reserveCapacity(array.count)
            for element in array {
                guard let number = Self.integer(element) else {
                    throw WhisperError(.invalidConfig, "\(path): \(key) must be a list of integers, found \(element)")
                }
                result.append(number)
            }
            return result
        }

        suppressIDs = try integers("suppress_ids") ?? []
        suppressIDsBegin = try integers("suppress_ids_begin") ?? []
        langIDs = try integers("lang_ids")

        if let value = dictionary["alignment_heads"], !(value is NSNull) {
            guard let pairs = value as? [Any] else {
                throw WhisperError(.invalidConfig, "\(path): alignment_heads must be a list of [layer, head] pairs")
            }
            var heads: [AlignmentHead] = []
            for pair in pairs {
                guard let elements = pair as? [Any], elements.count == 2,
                      let layer = Self.integer(elements[0]), let head = Self.integer(elements[1])
                else {
                    throw WhisperError(.invalidConfig, "\(path): alignment_heads must be a list of [layer, head] pairs, found \(pair)")
                }
                heads.append(AlignmentHead(layer: layer, head: head))
            }
            alignmentHeads = heads
        } else {
            alignmentHeads = nil
        }

        if let value = dictionary["is_multilingual"], !(value is NSNull) {
            guard let number = value as? NSNumber, Self.isBoolean(number) else {
                throw WhisperError(.invalidConfig, "\(path): is_multilingual must be true or false")
            }
            isMultilingual = number.boolValue
        } else {
            isMultilingual = nil
        }
    }

    /// The JSON text, formatted as CTranslate2 writes it (sorted keys, two-space indent,
    /// trailing newline).
    public func jsonData() -> Data {
        var dictionary: [String: Any] = [
            "suppress_ids": suppressIDs,
            "suppress_ids_begin": suppressIDsBegin,
            "lang_ids": langIDs.map { $0 as Any } ?? NSNull(),
            "alignment_heads": alignmentHeads.map { $0.map { [$0.layer, $0.head] } as Any } ?? NSNull(),
        ]
        if let isMultilingual { dictionary["is_multilingual"] = isMultilingual }
        // These values always serialise; `try!` cannot fail.
        var data = try! JSONSerialization.data(withJSONObject: dictionary, options: [.prettyPrinted, .sortedKeys])
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Checks the ids against a vocabulary size.
    public func validate(vocabularySize: Int, decoderLayers: Int, decoderHeads: Int, path: String) throws(WhisperError) {
        let lists: [(String, [Int])] = [("suppress_ids", suppressIDs), ("suppress_ids_begin", suppressIDsBegin), ("lang_ids", langIDs ?? [])]
        for (key, ids) in lists {
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw WhisperError(.invalidConfig, "\(path): \(key) holds token id \(bad), outside the vocabulary of \(vocabularySize)")
            }
        }
        if let bad = alignmentHeads?.first(where: { !(0..<decoderLayers).contains($0.layer) || !(0..<decoderHeads).contains($0.head) }) {
            throw WhisperError(.invalidConfig, "\(path): alignment head [\(bad.layer), \(bad.head)] is outside the decoder's \(decoderLayers) layers × \(decoderHeads) heads")
        }
    }

    /// JSON `true`/`false` arrive as boolean NSNumbers (type code "c"); on Linux `is Bool` also
    /// matches the numbers 0 and 1, so the type code decides.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 1e15 else { return nil }
        return number.intValue
    }

    static func readFile(_ url: URL, what: String) throws(WhisperError) -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw WhisperError(.missingFile, "the \(what) \(path) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw WhisperError(.unreadableFile, "the \(what) \(path) is a directory")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw WhisperError(.unreadableFile, "cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}

/// The token list of a CTranslate2 model: `vocabulary.json` (a JSON array of strings, what
/// current converters write) or `vocabulary.txt` (one token per line, what older ones wrote).
/// Token ids are positions in the list.
public enum ModelVocabularyFile {
    /// The file names looked for, in order of preference (CTranslate2's order).
    public static let fileNames = ["vocabulary.json", "vocabulary.txt"]

    /// The vocabulary file in `directory`, or nil when neither exists.
    public static func locate(in directory: URL) -> URL? {
        fileNames.lazy.map { directory.appendingPathComponent($0) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Reads the tokens of the vocabulary in `directory`.
    public static func read(in directory: URL) throws(WhisperError) -> [String] {
        guard let url = locate(in: directory) else {
            throw WhisperError(.missingFile, "\(directory.path) has no vocabulary: neither vocabulary.json nor vocabulary.txt exists")
        }
        return try read(url)
    }

    /// One token per line of `vocabulary.txt`. Lines are split on the byte `\n` (a Swift
    /// String would take `\r\n` as one character and never split it), a `\r` before it is
    /// dropped (a file saved on Windows), and a final newline starts no token. Every reader of a
    /// model directory — the model's checks and the tokenizer — comes through here, so they
    /// cannot disagree about a token.
    static func parseText(_ data: Data) -> [String] {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
    }

    /// Reads a `vocabulary.json` or `vocabulary.txt` (decided by the extension).
    public static func read(_ url: URL) throws(WhisperError) -> [String] {
        let data = try WhisperModelConfig.readFile(url, what: "vocabulary")
        let path = url.path
        if url.pathExtension == "json" {
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: data, options: [])
            } catch {
                throw WhisperError(.invalidVocabulary, "\(path) is not valid JSON: \(error.localizedDescription)")
            }
            guard let tokens = object as? [String] else {
                throw WhisperError(.invalidVocabulary, "\(path) must hold a JSON array of token strings")
            }
            return tokens
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw WhisperError(.invalidVocabulary, "\(path) is not UTF-8 text")
        }
        return parseText(data)
    }

    /// The text of a `vocabulary.txt`.
    public static func textData(_ tokens: [String]) -> Data {
        Data(tokens.map { $0 + "\n" }.joined().utf8)
    }
}

/// A CTranslate2 Whisper model directory, checked and ready for an engine to read weights from:
/// `model.bin` (memory-mapped), `config.json` and the vocabulary.
public struct WhisperModelDirectory: Sendable {
    public let directory: URL
    public let file: ModelFile
    public let config: WhisperModelConfig
    public let dimensions: WhisperDimensions
    public let vocabulary: [String]

    /// Opens and validates the model in `directory`. Throws `missingFile` naming whichever of
    /// `model.bin`, `config.json` or the vocabulary is absent, and the errors of `ModelFile`,
    /// `WhisperDimensions(file:)` and `WhisperModelConfig` otherwise. The vocabulary must have
    /// exactly as many tokens as the embedding has rows.
    public init(directory: URL) throws(WhisperError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw WhisperError(.missingFile, "the model directory \(directory.path) does not exist")
        }
        guard isDirectory.boolValue else {
            throw WhisperError(.unreadableFile, "\(directory.path) is a file; a CTranslate2 model is a directory holding model.bin, config.json and vocabulary.txt or vocabulary.json")
        }
        let binary = directory.appendingPathComponent("model.bin")
        guard FileManager.default.fileExists(atPath: binary.path) else {
            throw WhisperError(.missingFile, "\(directory.path) has no model.bin: it is not a CTranslate2 model directory")
        }
        let file = try ModelFile(contentsOf: binary)
        let dimensions = try WhisperDimensions(file: file)
        let configURL = directory.appendingPathComponent("config.json")
        let config = try WhisperModelConfig(contentsOf: configURL)
        let vocabulary = try ModelVocabularyFile.read(in: directory)
        guard vocabulary.count == dimensions.vocabularySize else {
            throw WhisperError(
                .invalidVocabulary,
                "\(ModelVocabularyFile.locate(in: directory)?.path ?? directory.path) has \(vocabulary.count) tokens but the model's embedding has \(dimensions.vocabularySize) rows"
            )
        }
        try config.validate(vocabularySize: dimensions.vocabularySize, decoderLayers: dimensions.decoderLayers, decoderHeads: dimensions.decoderHeads, path: configURL.path)
        self.directory = directory
        self.file = file
        self.config = config
        self.dimensions = dimensions
        self.vocabulary = vocabulary
    }

    /// Whether the model knows languages other than English. CTranslate2 decides by vocabulary
    /// size (English-only models have 51864 tokens, multilingual ones 51865 or, for large-v3,
    /// 51866); `config.json`'s `is_multilingual` (an Auris extension for tiny test models)
    /// overrides that.
    public var isMultilingual: Bool {
        Self.isMultilingual(vocabularySize: dimensions.vocabularySize, configured: config.isMultilingual)
    }

    /// The one rule, for the model and the tokenizer alike.
    public static func isMultilingual(vocabularySize: Int, configured: Bool?) -> Bool {
        configured ?? (vocabularySize >= 51865)
    }
}
