import Foundation
@testable import Whisper

/// A miniature Whisper vocabulary with the real layout: ten text tokens, then the specials,
/// then 1501 timestamps (`<|0.00|>` ... `<|30.00|>`).
struct FakeVocabulary: WhisperVocabulary {
    static let words = [" ", " hello", " world", " foo", " bar", " ♪", ".", " one", " two", " three"]
    static let size = 20 + 1501

    var isMultilingual = false
    var endOfText: Int { 10 }
    var startOfTranscript: Int { 11 }
    var translate: Int { 14 }
    var transcribe: Int { 15 }
    var startOfLM: Int { 16 }
    var startOfPrevious: Int { 17 }
    var noSpeech: Int { 18 }
    var noTimestamps: Int { 19 }
    var timestampBegin: Int { 20 }

    func languageToken(_ code: String) -> Int? {
        ["en": 12, "fr": 13][code]
    }

    /// Greedy longest-match over the word list; text with anything else encodes to nothing.
    func encode(_ text: String) -> [Int] {
        var rest = Substring(text)
        var tokens: [Int] = []
        while !rest.isEmpty {
            guard let match = Self.words.enumerated()
                .filter({ rest.hasPrefix($0.element) })
                .max(by: { $0.element.count < $1.element.count })
            else { return [] }
            tokens.append(match.offset)
            rest = rest.dropFirst(match.element.count)
        }
        return tokens
    }

    func decode(_ tokens: [Int]) -> String {
        tokens.map { $0 < Self.words.count ? Self.words[$0] : "" }.joined()
    }

    func sotSequence(language: String?, task: WhisperTask) -> [Int] {
        guard isMultilingual else { return [startOfTranscript] }
        return [startOfTranscript, languageToken(language ?? "en") ?? 12,
                task == .translate ? translate : transcribe]
    }

    /// Timestamp token for a time in seconds.
    func timestamp(_ seconds: Double) -> Int {
        timestampBegin + Int((seconds / 0.02).rounded())
    }
}

/// What a scripted model is asked for.
struct ScriptContext: Sendable {
    /// Index of the encoded window (0 for the first `encode` call).
    var window: Int
    /// Index of the decoding pass on that window (language detection counts as a pass).
    var pass: Int
    /// The prompt of the pass.
    var prompt: [Int]
    /// Tokens fed after the prompt so far.
    var generated: [Int]
    /// Whether the requested row follows `<|startoftranscript|>` (no-speech row).
    var afterStartOfTranscript: Bool
    /// The features the window was encoded from.
    var features: [Float]
}

/// A fake model whose logits come from a closure, and which records what it was asked.
final class ScriptedRunner: WhisperRunner, @unchecked Sendable {
    let vocabularySize = FakeVocabulary.size
    let script: @Sendable (ScriptContext) -> [Float]
    private let lock = NSLock()
    private var _windows: [[Float]] = []
    private var _prompts: [(window: Int, prompt: [Int])] = []

    init(script: @escaping @Sendable (ScriptContext) -> [Float]) {
        self.script = script
    }

    /// Features of every encoded window, in order.
    var windows: [[Float]] { lock.withLock { _windows } }
    /// The prompt of every decoding pass, with its window.
    var prompts: [(window: Int, prompt: [Int])] { lock.withLock { _prompts } }

    func encode(features: [Float], melBins: Int) throws -> any EncodedWindow {
        let index = lock.withLock { _windows.append(features); return _windows.count - 1 }
        return ScriptedWindow(runner: self, index: index, features: features)
    }

    fileprivate func startPass(window: Int, prompt: [Int]) -> Int {
        lock.withLock {
            _prompts.append((window, prompt))
            return _prompts.filter { $0.window == window }.count - 1
        }
    }
}

final class ScriptedWindow: EncodedWindow, @unchecked Sendable {
    let runner: ScriptedRunner
    let index: Int
    let features: [Float]
    private var passes = 0

    init(runner: ScriptedRunner, index: Int, features: [Float]) {
        self.runner = runner
        self.index = index
        self.features = features
    }

    func makeDecoder() throws -> any TokenDecoder {
        ScriptedDecoder(window: self)
    }
}

final class ScriptedDecoder: TokenDecoder {
    let window: ScriptedWindow
    var fed: [Int] = []
    var prompt: [Int] = []
    var pass = 0

    init(window: ScriptedWindow) {
        self.window = window
    }

    func feed(_ tokens: [Int], logitsAt positions: [Int]) throws -> [[Float]] {
        if fed.isEmpty {
            prompt = tokens
            pass = window.runner.startPass(window: window.index, prompt: tokens)
        }
        fed += tokens
        let sot = prompt.firstIndex(of: 11)
        return positions.map { position in
            window.runner.script(ScriptContext(
                window: window.index, pass: pass, prompt: prompt,
                generated: position >= prompt.count ? Array(fed[prompt.count...position]) : [],
                afterStartOfTranscript: position == sot, features: window.features))
        }
    }
}

/// Logits rows for scripts.
enum Row {
    /// Every token at `base`, the given ones at their values.
    static func with(_ values: [Int: Float], base: Float = 0) -> [Float] {
        var row = [Float](repeating: base, count: FakeVocabulary.size)
        for (token, value) in values { row[token] = value }
        return row
    }

    /// One clear favourite.
    static func peak(_ token: Int, height: Float = 10) -> [Float] {
        with([token: height])
    }

    /// A script that makes each pass write `tokens` (then end of text), whatever the rules
    /// allow, with `height` as the favourite's margin; `noSpeech` is the no-speech logit.
    static func writing(_ tokens: [Int], height: Float = 10, noSpeech: Float = 0,
                        eot: Int = 10) -> @Sendable (ScriptContext) -> [Float] {
        { context in
            let next = context.generated.count < tokens.count ? tokens[context.generated.count] : eot
            var row = peak(next, height: height)
            if context.afterStartOfTranscript { row[18] = noSpeech }
            return row
        }
    }
}

/// Features whose every value is its frame number plus one, so a window shows where it came from.
struct CountingFeatures: FeatureSource {
    var melBins = 2
    var frameCount: Int

    func window(startFrame: Int, frameCount count: Int) throws -> [Float] {
        var values = [Float](repeating: 0, count: melBins * WhisperTiming.framesPerWindow)
        for bin in 0..<melBins {
            for frame in 0..<min(count, WhisperTiming.framesPerWindow) {
                values[bin * WhisperTiming.framesPerWindow + frame] = Float(startFrame + frame + 1)
            }
        }
        return values
    }
}

/// Runs a transcription and collects its events.
func transcribe(_ runner: ScriptedRunner, vocabulary: FakeVocabulary = FakeVocabulary(),
                frames: Int, options: DecodingOptions) throws
    -> (segments: [TranscriptSegment], language: LanguageDetection?, progress: [TranscriptionProgress]) {
    var segments: [TranscriptSegment] = []
    var language: LanguageDetection?
    var progress: [TranscriptionProgress] = []
    var rng = SeededRandomGenerator(seed: 7)
    try Transcriber(runner: runner, vocabulary: vocabulary, options: options)
        .transcribe(CountingFeatures(frameCount: frames), using: &rng) { event in
            switch event {
            case let .segment(segment): segments.append(segment)
            case let .language(detected): language = detected
            case let .progress(step): progress.append(step)
            }
        }
    return (segments, language, progress)
}
