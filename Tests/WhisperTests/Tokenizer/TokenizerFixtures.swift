import Foundation
import Testing
@testable import Whisper

/// Where the tokenizer tests find the default model and the committed expectations.
enum TokenizerFixtures {
    /// The repository root, from this file's path (Tests/WhisperTests/Tokenizer/…).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .standardizedFileURL
        .deletingLastPathComponent()  // Tokenizer
        .deletingLastPathComponent()  // WhisperTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let goldenDirectory = repositoryRoot.appendingPathComponent("Tests/WhisperTests/Golden")

    /// The default model directory (the one the engine tests use).
    static var modelDirectory: URL? { GoldenFixtures.modelDirectory }

    static let modelMissingReason: Comment =
        "no model at models/whisper-tiny.en or $AURIS_DEFAULT_MODEL (install the default model to run this)"

    /// `make test` sets AURIS_REQUIRE_MODEL=1: there the model tests run, and fail on a missing or
    /// unreadable model instead of skipping.
    static let required = ProcessInfo.processInfo.environment["AURIS_REQUIRE_MODEL"] == "1"
    /// Whether the default-model tests run: the model is there, or it must be.
    static var modelRuns: Bool { GoldenFixtures.modelRuns }

    /// The default model's tokenizer, loaded once (with `tokenizer.json` merges when present),
    /// or why it could not be.
    static let loadedTokenizer: Result<WhisperTokenizer, any Error> = Result {
        try WhisperTokenizer(modelDirectory: try model())
    }

    /// The same model's tokenizer built from its vocabulary alone (no merge list).
    static let loadedVocabularyOnlyTokenizer: Result<WhisperTokenizer, any Error> = Result {
        try WhisperTokenizer(vocabulary: try WhisperTokenizer.readVocabulary(in: try model()))
    }

    static func tokenizer() throws -> WhisperTokenizer { try loadedTokenizer.get() }
    static func vocabularyOnlyTokenizer() throws -> WhisperTokenizer { try loadedVocabularyOnlyTokenizer.get() }

    static func model() throws -> URL {
        guard let modelDirectory else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(modelMissingReason)"]) }
        return modelDirectory
    }

    /// What faster-whisper 1.2.1 / tokenizers gave (scripts/golden/tokenizer-expectations.py).
    static let loadedExpectations: Result<TokenizerExpectations, any Error> = Result {
        let url = goldenDirectory.appendingPathComponent("tokenizer-expectations.json")
        return try JSONDecoder().decode(TokenizerExpectations.self, from: Data(contentsOf: url))
    }

    static var expectations: TokenizerExpectations? { try? loadedExpectations.get() }

    /// Whether the expectations are checked: they apply to the installed model (same tokenizer:
    /// same vocabulary size), or the model is required (then a mismatch fails, in `specialIds`).
    static var expectationsApply: Bool {
        if required { return true }
        guard let tokenizer = try? tokenizer(), let expectations else { return false }
        return tokenizer.vocabularySize == expectations.vocabularySize
    }

    static let expectationsMismatchReason: Comment =
        "needs the default model, whose vocabulary size matches Golden/tokenizer-expectations.json"
}

struct TokenizerExpectations: Decodable, Sendable {
    struct Special: Decodable, Sendable {
        var endOfText, startOfTranscript, translate, transcribe, startOfLM, startOfPrevious: Int
        var noSpeech, noTimestamps, timestampBegin, en: Int
    }

    struct TextCase: Decodable, Sendable, CustomTestStringConvertible {
        var text: String
        var ids: [Int]
        var testDescription: String { text.debugDescription }
    }

    struct IdsCase: Decodable, Sendable, CustomTestStringConvertible {
        var ids: [Int]
        var text: String
        var testDescription: String { "\(ids)" }
    }

    struct PromptCase: Decodable, Sendable {
        var previous: [Int]
        var withoutTimestamps: Bool
        var prefix: String?
        var hotwords: String?
        var ids: [Int]

        enum CodingKeys: String, CodingKey {
            case previous, prefix, hotwords, ids
            case withoutTimestamps = "without_timestamps"
        }
    }

    struct Suppressed: Decodable, Sendable {
        var requested: [Int]
        var ids: [Int]
    }

    var fasterWhisperVersion: String
    var vocabularySize: Int
    var multilingual: Bool
    var special: Special
    var sotSequence: [Int]
    var nonSpeechTokens: [Int]
    var suppressedDefault: [Int]
    var suppressedCustom: Suppressed
    var suppressedExplicit: Suppressed
    var encode: [TextCase]
    var decode: [IdsCase]
    var decodeWithTimestamps: [IdsCase]
    var prompts: [PromptCase]
    var initialPrompts: [TextCase]

    enum CodingKeys: String, CodingKey {
        case special, encode, decode, prompts, multilingual
        case fasterWhisperVersion = "faster_whisper_version"
        case vocabularySize = "vocabulary_size"
        case sotSequence = "sot_sequence"
        case nonSpeechTokens = "non_speech_tokens"
        case suppressedDefault = "suppressed_default"
        case suppressedCustom = "suppressed_custom"
        case suppressedExplicit = "suppressed_explicit"
        case decodeWithTimestamps = "decode_with_timestamps"
        case initialPrompts = "initial_prompts"
    }
}
