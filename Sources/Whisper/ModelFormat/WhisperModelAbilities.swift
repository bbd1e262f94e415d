import Foundation

/// What a model directory can be asked for — its languages and whether it translates — read
/// from `config.json` and the vocabulary alone, so a server can refuse a request the model
/// cannot honour before queuing it, without loading any weights.
public struct WhisperModelAbilities: Sendable, Equatable {
    /// Whether the model knows languages other than English and the translate task (the rule of
    /// `WhisperModelDirectory.isMultilingual`).
    public let isMultilingual: Bool
    /// The language codes a request may name: every language token of a multilingual vocabulary,
    /// `en` alone for an English-only one (whose language tokens the model ignores).
    public let languages: [String]

    public init(isMultilingual: Bool, languages: [String]) {
        self.isMultilingual = isMultilingual
        self.languages = languages
    }

    /// Reads `directory`'s `config.json` (if any) and vocabulary.
    public init(modelDirectory directory: URL) throws(WhisperError) {
        let vocabulary = try ModelVocabularyFile.read(in: directory)
        let configURL = directory.appendingPathComponent("config.json")
        let configured = FileManager.default.fileExists(atPath: configURL.path)
            ? try WhisperModelConfig(contentsOf: configURL).isMultilingual : nil
        let multilingual = WhisperModelDirectory.isMultilingual(vocabularySize: vocabulary.count, configured: configured)
        var codes: [String] = []
        if multilingual, let start = vocabulary.firstIndex(of: "<|endoftext|>") {
            // Language tokens follow <|endoftext|> and <|startoftranscript|> among the specials.
            for token in vocabulary[start...] {
                if token == "<|translate|>" || token == "<|0.00|>" { break }
                if let code = WhisperTokenizer.languageCode(inToken: token), !codes.contains(code) { codes.append(code) }
            }
        }
        self.init(isMultilingual: multilingual, languages: multilingual ? codes : ["en"])
    }

    /// Why `language` and `translate` cannot be honoured, naming the option; nil when they can.
    public func refusal(language: String?, translate: Bool) -> (option: String, message: String)? {
        if let language, !languages.contains(language) {
            let known = isMultilingual
                ? "it knows \(languages.count) languages: \(languages.joined(separator: ", "))"
                : "it is English-only: leave language out or send 'en'"
            return ("language", "the model does not know the language '\(language)'; \(known)")
        }
        if translate && !isMultilingual {
            return ("task", "the model is English-only and cannot translate; use a multilingual model for task=translate")
        }
        return nil
    }
}
