import Audio
import DeviceMemory
import Foundation
import Tensor

extension WhisperEngine {
    /// Samples per read from the decoder: 10 s.
    static let readSamples = 16_000 * 10

    /// Where the voice activity model is looked for: `$AURIS_VAD_MODEL`, else
    /// `silero-vad/silero_vad_v6.onnx` in the folder that holds the Whisper model's folder
    /// (`models/`, where `scripts/install-model.sh` puts both).
    public static func voiceActivityModelPath(besideModel directory: URL) -> String {
        if let given = ProcessInfo.processInfo.environment["AURIS_VAD_MODEL"], !given.isEmpty { return given }
        return directory.deletingLastPathComponent().appendingPathComponent("silero-vad").appendingPathComponent(SileroVAD.fileName).path
    }

    /// The detector, loaded on first use and kept with the engine (1.2 MB). On the CPU backend
    /// it shares the model's allocator; beside a GPU model it gets a host allocator of its own.
    public func loadSpeechDetector() throws -> SileroVAD {
        try speechDetector.withLock { detector in
            if let detector { return detector }
            let path = Self.voiceActivityModelPath(besideModel: directory)
            guard FileManager.default.fileExists(atPath: path) else {
                throw WhisperError(.missingFile, "voice activity detection needs the Silero VAD model at \(path): run scripts/install-model.sh (it takes the file from faster-whisper's wheel on PyPI) or set AURIS_VAD_MODEL")
            }
            let backend: CPUBackend
            if let onHost = model.backend as? CPUBackend {
                backend = onHost
            } else {
                backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
            }
            let loaded = try SileroVAD(path: path, backend: backend)
            detector = loaded
            return loaded
        }
    }

    /// Runs the detector over the whole of `stream` and returns the speech regions (in samples)
    /// and the recording's length in seconds.
    func findSpeech(in stream: AudioStream, options: VoiceActivityOptions,
                    shouldStop: @Sendable () -> Bool) throws -> (regions: [Range<Int>], seconds: Double) {
        if let problem = options.problem { throw WhisperError(.invalidOptions, problem) }
        var probabilities = SpeechProbabilities(detector: try loadSpeechDetector())
        while true {
            if shouldStop() { throw CancellationError() }
            let chunk = try stream.read(maxFrames: Self.readSamples)
            if chunk.isEmpty { break }
            try probabilities.append(chunk)
        }
        try probabilities.finish()
        let regions = SpeechRegions.find(probabilities: probabilities.values, sampleCount: probabilities.sampleCount, options: options)
        return (regions, Double(probabilities.sampleCount) / Double(AudioDecoder.sampleRate))
    }
}

/// Hands out only the samples of a stream that lie in `regions` (sorted, disjoint), joined;
/// stops reading once the last region has been passed.
struct SpeechOnlyReader {
    let regions: [Range<Int>]
    let readChunk: () throws -> [Float]
    private var next = 0
    private var position = 0

    init(regions: [Range<Int>], readChunk: @escaping () throws -> [Float]) {
        self.regions = regions
        self.readChunk = readChunk
    }

    /// The next kept samples; `[]` at the end.
    mutating func read() throws -> [Float] {
        while next < regions.count {
            let chunk = try readChunk()
            if chunk.isEmpty { return [] }
            let span = position..<position + chunk.count
            position = span.upperBound
            var kept: [Float] = []
            while next < regions.count, regions[next].lowerBound < span.upperBound {
                let part = regions[next].clamped(to: span)
                kept += chunk[(part.lowerBound - span.lowerBound)..<(part.upperBound - span.lowerBound)]
                if regions[next].upperBound > span.upperBound { break }
                next += 1
            }
            if !kept.isEmpty { return kept }
        }
        return []
    }
}
