import Audio
import DeviceMemory
import Foundation
import Tensor

/// A loaded Whisper model with its tokenizer: turns audio files into transcripts.
///
/// Audio is decoded once, as a stream (see Note [One pass] in `StreamingFeatures`), so memory
/// stays flat whatever the input's length.
public final class WhisperEngine: Sendable {
    public let model: WhisperModel
    public let tokenizer: WhisperTokenizer
    public let directory: URL
    /// Whether the model transcribes many languages (and can detect and translate them).
    public let isMultilingual: Bool

    /// Loads the model in `directory` (CTranslate2 format) onto `backend`'s device, its weights
    /// in `computeType` (the device's default when nil, see `ComputeType.defaultType(for:)`).
    public init(directory: URL, backend: any ComputeBackend, computeType: ComputeType? = nil) throws {
        let opened = try WhisperModelDirectory(directory: directory)
        self.directory = directory
        self.isMultilingual = opened.isMultilingual
        self.tokenizer = try WhisperTokenizer(modelDirectory: directory)
        // Reading tokenizer.json leaves megabytes of freed parse structures in the C heap; hand
        // them back before the weights arrive, so they do not count against the process.
        CHeap.releaseFreePages()
        self.model = try WhisperModel.load(opened, backend: backend, computeType: computeType ?? .defaultType(for: backend))
    }

    /// An engine from its parts (a model woken from sleep, with the tokenizer it slept with).
    init(directory: URL, tokenizer: WhisperTokenizer, isMultilingual: Bool, model: WhisperModel) {
        self.directory = directory
        self.tokenizer = tokenizer
        self.isMultilingual = isMultilingual
        self.model = model
    }

    /// Transcribes the audio file at `path`, reporting the language, each segment and progress
    /// as they are decided.
    ///
    /// - Parameter name: how to call the file in error messages (an upload's original name).
    /// - Parameter shouldStop: asked before every window and decoding step; true stops with
    ///   `CancellationError`.
    public func transcribe(path: String, named name: String? = nil, options: DecodingOptions,
                           onEvent: (TranscriptionEvent) throws -> Void = { _ in },
                           shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> Transcript {
        let stream = try AudioDecoder.open(path: path, named: name)
        let features = try StreamingFeatures(melBins: model.melBins) { try stream.read(maxFrames: 16_000 * 10) }
        var segments: [TranscriptSegment] = []
        let info = try Transcriber(runner: model, vocabulary: tokenizer, options: options, shouldStop: shouldStop).transcribe(features) { event in
            if case .segment(let segment) = event { segments.append(segment) }
            try onEvent(event)
        }
        let duration = Double(features.sampleCount) / Double(AudioDecoder.sampleRate)
        return Transcript(language: info.language.language, duration: duration, segments: segments)
    }
}
