import Foundation

// Loading a tokenizer from a CTranslate2 Whisper model directory.

extension WhisperTokenizer {
    /// Loads the tokenizer of a CTranslate2 Whisper model directory.
    ///
    /// - `vocabulary.json` (a JSON array, newer converters) or `vocabulary.txt` (one token per line,
    ///   line n = id n - 1) gives the ids; it is required.
    /// - `tokenizer.json` (Hugging Face), when present, gives the BPE merges, the special tokens
    ///   recognised in encoded text and the pre-tokenizer's `add_prefix_space`; its vocabulary must
    ///   agree with the model's. Without it, merges follow the vocabulary order.
    /// - `config.json`, when present, gives `suppress_ids`, `suppress_ids_begin` and, for tiny test
    ///   models, `is_multilingual`.
    public init(modelDirectory: URL) throws {
        let vocabulary = try Self.readVocabulary(in: modelDirectory)

        var merges: [(String, String)]? = nil
        var addedTokens: [String]? = nil
        var addPrefixSpace = false
        let tokenizerURL = modelDirectory.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: tokenizerURL.path) {
            let file = try Self.decodeJSON(TokenizerFile.self, from: tokenizerURL)
            try file.check(against: vocabulary, path: tokenizerURL.path)
            merges = file.model?.merges?.map { ($0.left, $0.right) }
            // tokenizers splits encoded text on every added token, special or not.
            addedTokens = file.addedTokens?.map(\.content)
            addPrefixSpace = file.byteLevelAddsPrefixSpace
        }

        var suppressIds: [Int] = []
        var suppressBlankIds: [Int] = []
        var isMultilingual: Bool? = nil
        let configURL = modelDirectory.appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: configURL.path) {
            let config = try Self.decodeJSON(ModelConfigFile.self, from: configURL)
            suppressIds = config.suppressIds ?? []
            suppressBlankIds = config.suppressIdsBegin ?? []
            isMultilingual = config.isMultilingual
        }

        try self.init(
            vocabulary: vocabulary,
            merges: merges,
            addedTokens: addedTokens,
            addPrefixSpace: addPrefixSpace,
            suppressIds: suppressIds,
            suppressBlankIds: suppressBlankIds,
            isMultilingual: isMultilingual
        )
    }

    /// The token strings of a model directory's vocabulary, by id: read as the model's own
    /// checks read it (`ModelVocabularyFile`), so the two cannot disagree.
    public static func readVocabulary(in modelDirectory: URL) throws -> [String] {
        guard ModelVocabularyFile.locate(in: modelDirectory) != nil else {
            throw WhisperError.missingVocabulary(directory: modelDirectory.path)
        }
        return try ModelVocabularyFile.read(in: modelDirectory)
    }

    private static func readData(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw WhisperError.unreadableFile(path: url.path, reason: "\(error)")
        }
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data = try readData(url)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw WhisperError.unreadableFile(path: url.path, reason: "\(error)")
        }
    }
}

/// The parts of a Hugging Face `tokenizer.json` that matter here.
struct TokenizerFile: Decodable {
    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int]?
        var merges: [MergeEntry]?
    }

    /// A merge, written `"Ġ t"` (older files) or `["Ġ", "t"]` (newer ones).
    struct MergeEntry: Decodable {
        var left: String
        var right: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            // The string form first: it is what Whisper's files use, and a failed attempt at
            // the other form costs an error per merge (50,000 of them).
            if let line = try? container.decode(String.self) {
                guard let space = line.firstIndex(of: " ") else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge without a space: \(line)")
                }
                left = String(line[..<space])
                right = String(line[line.index(after: space)...])
            } else {
                let pair = try container.decode([String].self)
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "a merge needs two tokens")
                }
                (left, right) = (pair[0], pair[1])
            }
        }
    }

    struct AddedToken: Decodable {
        var id: Int
        var content: String
        var special: Bool?
    }

    struct PreTokenizer: Decodable {
        var type: String
        var addPrefixSpace: Bool?
        var useRegex: Bool?

        enum CodingKeys: String, CodingKey {
            case type
            case addPrefixSpace = "add_prefix_space"
            case useRegex = "use_regex"
        }
    }

    var model: Model?
    var addedTokens: [AddedToken]?
    var preTokenizer: PreTokenizer?

    enum CodingKeys: String, CodingKey {
        case model
        case addedTokens = "added_tokens"
        case preTokenizer = "pre_tokenizer"
    }

    var byteLevelAddsPrefixSpace: Bool {
        preTokenizer?.addPrefixSpace ?? false
    }

    /// Throws unless this describes byte-level BPE over the same ids as `vocabulary`.
    func check(against vocabulary: [String], path: String) throws {
        func fail(_ reason: String) -> WhisperError {
            .incompatibleTokenizerJSON(path: path, reason: reason)
        }
        if let type = model?.type, type != "BPE" {
            throw fail("model type \(type), not BPE")
        }
        if let preTokenizer {
            guard preTokenizer.type == "ByteLevel", preTokenizer.useRegex ?? true else {
                throw fail("pre-tokenizer \(preTokenizer.type) is not the GPT-2 ByteLevel one")
            }
        }
        for (token, id) in model?.vocab ?? [:] where !(vocabulary.indices.contains(id) && vocabulary[id] == token) {
            throw fail("token \(token) has id \(id) there but not in the model's vocabulary")
        }
        for token in addedTokens ?? [] where !(vocabulary.indices.contains(token.id) && vocabulary[token.id] == token.content) {
            throw fail("added token \(token.content) has id \(token.id) there but not in the model's vocabulary")
        }
    }
}

/// The parts of a CTranslate2 Whisper `config.json` that matter here.
struct ModelConfigFile: Decodable {
    var suppressIds: [Int]?
    var suppressIdsBegin: [Int]?
    var isMultilingual: Bool?

    enum CodingKeys: String, CodingKey {
        case suppressIds = "suppress_ids"
        case suppressIdsBegin = "suppress_ids_begin"
        case isMultilingual = "is_multilingual"
    }
}
