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

    /// The default model directory: `models/whisper-tiny.en` under the repository, else
    /// `$AURIS_DEFAULT_MODEL`; nil when neither holds a vocabulary.
    static let modelDirectory: URL? = {
        var candidates = [repositoryRoot.appendingPathComponent("models/whisper-tiny.en")]
        if let path = ProcessInfo.processInfo.environment["AURIS_DEFAULT_MODEL"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        return candidates.first { directory in
            ["vocabulary.txt", "vocabulary.json"].contains {
                FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
            }
        }
    }()

    static let modelMissingReason: Comment =
        "no model at models/whisper-tiny.en or $AURIS_DEFAULT_MODEL (install the default model to run this)"

    /// The default model's tokenizer, loaded once (with `tokenizer.json` merges when present).
    static let tokenizer: WhisperTokenizer? = modelDirectory.flatMap { try? WhisperTokenizer(modelDirectory: $0) }

    /// The same model's tokenizer built from its vocabulary alone (no merge list).
    static let vocabularyOnlyTokenizer: WhisperTokenizer? = modelDirectory.flatMap { directory in
        (try? WhisperTokenizer.readVocabulary(in: directory)).flatMap { try? WhisperTokenizer(vocabulary: $0) }
    }

    /// What faster-whisper 1.2.1 / tokenizers gave (scripts/golden/tokenizer-expectations.py).
    static let loadedExpectations: Result<TokenizerExpectations, any Error> = Result {
        let url = goldenDirectory.appendingPathComponent("tokenizer-expectations.json")
        return try JSONDecoder().decode(TokenizerExpectations.self, from: Data(contentsOf: url))
    }

    static var expectations: TokenizerExpectations? { try? loadedExpectations.get() }

    /// Whether the expectations apply to the installed model (same tokenizer: same vocabulary size).
    static var expectationsMatchModel: Bool {
        guard let tokenizer, let expectations else { return false }
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
