import ArgumentParser
import DeviceMemory
import Foundation
import GPU
import Tensor
import Whisper

/// `auris transcribe FILE...`: speech to text on this machine, with progress and a summary.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files (WAV natively; other formats through ffmpeg).")

    @Argument(help: "Audio files to transcribe.")
    var files: [String]

    @Option(help: "Model directory (CTranslate2 Whisper format). Default: $AURIS_MODEL, else models/whisper-tiny.en.")
    var model: String?

    @Option(help: "Output format: txt, srt, vtt or json.")
    var format: TranscriptFormat = .txt

    @Option(help: "Spoken language (e.g. en); detected when omitted on multilingual models.")
    var language: String?

    @Option(help: "transcribe, or translate into English (multilingual models).")
    var task: WhisperTask = .transcribe

    @Option(help: "Temperatures to try in turn when a window's decoding fails the quality checks, comma-separated (0 = greedy).")
    var temperature: String = "0,0.2,0.4,0.6,0.8,1.0"

    @Option(name: .customLong("initial-prompt"), help: "Text to condition the first window on (names, spellings, style).")
    var initialPrompt: String?

    @Option(help: "Words to expect (names, jargon), given to every window ahead of its previous text, as faster-whisper's hotwords.")
    var hotwords: String?

    @Flag(inversion: .prefixedNo, help: "Condition each window on the text of the previous one.")
    var conditionOnPreviousText = true

    @Flag(name: .customLong("word-timestamps"), help: "Time every word (json: \"words\" in each segment; srt and vtt: a cue per word).")
    var wordTimestamps = false

    @Flag(help: "Transcribe only the speech that voice activity detection (Silero VAD) finds; times stay the recording's.")
    var vad = false

    @Option(name: .customLong("vad-threshold"), help: "With --vad: the speech probability (0 to 1) from which a 32 ms chunk is speech.")
    var vadThreshold = 0.5

    @Option(name: .customLong("vad-min-silence-ms"), help: "With --vad: the silence, in milliseconds, that ends a stretch of speech.")
    var vadMinSilenceMs = 2000

    @Option(help: "Where the engine runs: cpu, or cuda:N for an NVIDIA GPU.")
    var device = "cpu"

    @Option(name: .customLong("compute-type"),
            help: "How weights are held and multiplied: float32, float16 or int8. Default: the device's default (float16 on the CPU, float32 on a GPU).")
    var computeType: ComputeType?

    @Option(help: "CPU threads for the engine.")
    var threads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount)

    @Flag(help: "After each file, say where the time went: encoding, launching decoder steps, waiting for the device, the rest.")
    var timings = false

    @Option(name: .customLong("output-dir"), help: "Write FILE.<format> here instead of printing to standard output.")
    var outputDirectory: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        _ = try temperatures()
        if let problem = voiceActivity()?.problem { throw ValidationError("--vad: \(problem)") }
    }

    func voiceActivity() -> VoiceActivityOptions? {
        vad ? VoiceActivityOptions(threshold: vadThreshold, minSilenceDurationMs: vadMinSilenceMs) : nil
    }

    func temperatures() throws -> [Double] {
        let values = temperature.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw ValidationError("--temperature takes non-negative numbers separated by commas, e.g. 0 or 0,0.2,0.4")
        }
        return values.compactMap { $0 }
    }

    func run() throws {
        let engine = try loadEngine()
        let allocator = engine.model.backend.allocator
        var options = DecodingOptions()
        options.language = language ?? (engine.isMultilingual ? nil : "en")
        options.task = task
        options.temperatures = try temperatures()
        options.conditionOnPreviousText = conditionOnPreviousText
        options.initialPrompt = initialPrompt.map { .text($0) }
        options.wordTimestamps = wordTimestamps
        options.hotwords = hotwords
        options.voiceActivity = voiceActivity()
        for file in files {
            allocator.resetPeakStats()
            _ = engine.model.takeTimings()
            let progress = ProgressBar(label: URL(fileURLWithPath: file).lastPathComponent)
            let started = Date()
            let transcript: Transcript
            do {
                transcript = try engine.transcribe(path: file, options: options) { event in
                    if case .progress(let position) = event { progress.update(position.processedSeconds, of: position.totalSeconds) }
                }
            } catch {
                progress.finish()
                throw UserError("\(file): \(error)")
            }
            progress.finish()
            try write(format.render(transcript), for: file)
            let stats = allocator.stats()
            printSummary(file: file, device: allocator.device, computeType: engine.model.computeType, audioSeconds: transcript.duration, wallSeconds: Date().timeIntervalSince(started),
                         peakAllocated: stats.allocatedBytes.all.peak, peakReserved: stats.reservedBytes.all.peak)
            if timings { printTimings(engine.model.takeTimings(), wallSeconds: Date().timeIntervalSince(started)) }
        }
    }

    private func loadEngine() throws -> WhisperEngine {
        let directory = try ModelLocation.resolve(model)
        do {
            let configuration = try AllocatorConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
            let allocators = try DeviceAllocators(configuration: configuration)
            let backend = try ComputeBackends.open(try DeviceID(parsing: device), allocators: allocators, threads: threads)
            return try WhisperEngine(directory: directory, backend: backend, computeType: computeType)
        } catch let error as DeviceMemoryError {
            throw UserError(error.message)
        } catch {
            throw UserError("cannot load the model in \(directory.path): \(error)")
        }
    }

    private func write(_ text: String, for file: String) throws {
        guard let outputDirectory else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + "." + format.rawValue
        let target = URL(fileURLWithPath: outputDirectory).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target, options: .atomic)
    }

    private func printSummary(file: String, device: DeviceID, computeType: ComputeType, audioSeconds: Double, wallSeconds: Double, peakAllocated: Int, peakReserved: Int) {
        let factor = wallSeconds > 0 ? audioSeconds / wallSeconds : 0
        let line = "\(file) on \(device) (\(computeType)): \(Self.format(audioSeconds, 1)) s of audio in \(Self.format(wallSeconds, 2)) s "
            + "(real-time factor \(Self.format(wallSeconds / max(audioSeconds, 1e-9), 3)), \(Self.format(factor, 1))× real time); "
            + "peak allocated \(ByteCount(peakAllocated)), peak reserved \(ByteCount(peakReserved))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func printTimings(_ timings: EngineTimings, wallSeconds: Double) {
        let decoder = timings.decoderQueueSeconds + timings.decoderWaitSeconds
        let perCall = timings.decoderCalls > 0 ? 1000 / Double(timings.decoderCalls) : 0
        let windows = "\(timings.windowsEncoded) window" + (timings.windowsEncoded == 1 ? "" : "s")
        let line = "  timings: encode \(windows) in \(Self.format(timings.encodeSeconds, 3)) s; "
            + "decoder \(timings.decoderCalls) calls: queue \(Self.format(timings.decoderQueueSeconds, 3)) s "
            + "(\(Self.format(timings.decoderQueueSeconds * perCall, 3)) ms each), wait for the device \(Self.format(timings.decoderWaitSeconds, 3)) s "
            + "(\(Self.format(timings.decoderWaitSeconds * perCall, 3)) ms each); "
            + "everything else \(Self.format(wallSeconds - timings.encodeSeconds - decoder, 3)) s\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }
}

extension TranscriptFormat: ExpressibleByArgument {}
extension WhisperTask: ExpressibleByArgument {}
extension ComputeType: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}
