import Audio
import DeviceMemory
import Foundation
import Synchronization
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
    /// The voice activity detector, once a transcription has asked for it.
    let speechDetector = Mutex<SileroVAD?>(nil)

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
        var speech: SpeechTimeline?
        var stream = try AudioDecoder.open(path: path, named: name)
        var readChunk: () throws -> [Float] = { try stream.read(maxFrames: Self.readSamples) }
        var duration: Double?
        if let voiceActivity = options.voiceActivity {
            // Note [Two passes for voice activity]: the detector reads the file first; the
            // speech it finds is then read again from the file and joined, so memory stays
            // flat and Whisper sees exactly the audio faster-whisper's `vad_filter` gives it.
            let found = try findSpeech(in: stream, options: voiceActivity, shouldStop: shouldStop)
            duration = found.seconds
            speech = SpeechTimeline(regions: found.regions)
            stream = try AudioDecoder.open(path: path, named: name)
            var reader = SpeechOnlyReader(regions: found.regions) { try stream.read(maxFrames: Self.readSamples) }
            readChunk = { try reader.read() }
        }
        let features = try StreamingFeatures(melBins: model.melBins, readChunk: readChunk)
        let transcript = try transcribe(features, options: options, timeline: speech.map { ($0, duration ?? 0) },
                                        onEvent: onEvent, shouldStop: shouldStop)
        let seconds = duration ?? Double(features.sampleCount) / Double(AudioDecoder.sampleRate)
        return Transcript(language: transcript.language, duration: seconds, segments: transcript.segments)
    }

    /// Transcribes 16 kHz mono samples held in memory (a live stream's utterance), without
    /// voice activity detection (the caller has done it).
    public func transcribe(samples: [Float], options: DecodingOptions,
                           shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> Transcript {
        var options = options
        options.voiceActivity = nil
        var handed = false
        let features = try StreamingFeatures(melBins: model.melBins) {
            defer { handed = true }
            return handed ? [] : samples
        }
        return try transcribe(features, options: options, timeline: nil, onEvent: { _ in }, shouldStop: shouldStop)
    }

    /// - Parameter speech: with voice activity detection, the map from the speech-only audio
    ///   back to the recording, and the recording's length in seconds; segments and progress are
    ///   reported on the recording's clock.
    private func transcribe(_ features: StreamingFeatures, options: DecodingOptions,
                            timeline speech: (timeline: SpeechTimeline, recordingSeconds: Double)?,
                            onEvent: (TranscriptionEvent) throws -> Void,
                            shouldStop: @escaping @Sendable () -> Bool) throws -> Transcript {
        var segments: [TranscriptSegment] = []
        let info = try Transcriber(runner: model, vocabulary: tokenizer, options: options, shouldStop: shouldStop).transcribe(features) { event in
            switch event {
            case .segment(let decided):
                let segment = speech?.timeline.restore(decided) ?? decided
                segments.append(segment)
                try onEvent(.segment(segment))
            case .progress(let progress) where speech != nil:
                // All the speech decoded is the whole recording done (its tail may be silence).
                let (timeline, total) = speech!
                let processed = progress.processedSeconds >= progress.totalSeconds ? total : timeline.position(progress.processedSeconds)
                try onEvent(.progress(TranscriptionProgress(processedSeconds: min(processed, total), totalSeconds: total)))
            default:
                try onEvent(event)
            }
        }
        return Transcript(language: info.language.language, duration: Double(features.sampleCount) / Double(AudioDecoder.sampleRate),
                          segments: segments)
    }
}
