import DeviceMemory
import Foundation
import Service
import Whisper
import WhisperTestKit
import Audio
import Uploads
import NIOCore

/// One parser that reads untrusted bytes, and how to feed it one input. Each returns quietly
/// on any error a parser throws: only a crash, a hang or a leak is a finding.
enum FuzzTarget: String, CaseIterable {
    /// WAV, FLAC, Ogg, AIFF... as uploads arrive: the signature sniffing, the RIFF walk and
    /// libsndfile (ffmpeg is switched off: a process per input would make 10⁶ runs take days).
    case audio
    /// A CTranslate2 `model.bin`.
    case modelFile = "model-file"
    /// A model's `config.json`.
    case config
    /// `vocabulary.txt` and `vocabulary.json`.
    case vocabulary
    /// `tokenizer.json`, next to a valid vocabulary.
    case tokenizer
    /// A cron expression of the cleanup schedule.
    case cron
    /// `AURIS_ALLOC_CONF`.
    case allocatorConfiguration = "alloc-conf"
    /// The memory policies' JSON (`PUT /api/system/policies`, `policies.json`).
    case policies
    /// A multipart upload, as UploadReceiver takes it apart, in chunks the input's first byte sizes.
    case multipart

    func run(_ data: Data) {
        switch self {
        case .audio:
            let path = Scratch.file("input", data)
            let options = AudioDecoder.Options(ffmpeg: "/nonexistent/ffmpeg", searchPath: "/nonexistent", describeWithFFprobe: false)
            if let stream = try? AudioDecoder.open(path: path, options: options) {
                while let chunk = try? stream.read(maxFrames: 16_000), !chunk.isEmpty {}
            }
        case .modelFile:
            if let file = try? ModelFile(bytes: data) {
                _ = try? WhisperDimensions(file: file)
            }
        case .config:
            _ = try? WhisperModelConfig(jsonData: data)
        case .vocabulary:
            _ = try? ModelVocabularyFile.read(URL(fileURLWithPath: Scratch.file("vocabulary.txt", data)))
            _ = try? ModelVocabularyFile.read(URL(fileURLWithPath: Scratch.file("vocabulary.json", data)))
        case .tokenizer:
            _ = Scratch.file("model/tokenizer.json", data)
            if let tokenizer = try? WhisperTokenizer(modelDirectory: Scratch.tinyModel) {
                _ = tokenizer.encode("Hello, world — 42!")
            }
        case .cron:
            let text = String(decoding: data, as: UTF8.self)
            if let schedule = try? CronSchedule(parsing: text) {
                _ = schedule.next(after: Date(timeIntervalSince1970: 1_700_000_000), in: TimeZone(identifier: "UTC")!)
            }
        case .allocatorConfiguration:
            _ = try? AllocatorConfiguration(parsing: String(decoding: data, as: UTF8.self))
        case .policies:
            _ = try? JSONDecoder().decode(MemoryPolicies.self, from: data)
        case .multipart:
            guard let first = data.first else { return }
            let chunk = Int(first % 64) + 1
            let body = data.dropFirst()
            var reader = MultipartReader(boundary: "fuzz")
            let state = MultipartState()
            reader.onHeader = { name, value in state.header(name, value) }
            reader.onBody = { buffer in state.body(buffer) }
            reader.onPartComplete = { state.partComplete() }
            var sink = UploadSink(directory: Scratch.uploads, limitBytes: 1 << 20, allowMany: true)
            do {
                var offset = body.startIndex
                while offset < body.endIndex {
                    let end = body.index(offset, offsetBy: chunk, limitedBy: body.endIndex) ?? body.endIndex
                    try reader.feed(ByteBuffer(bytes: body[offset..<end]))
                    try state.flush(into: &sink)
                    offset = end
                }
                try state.flush(into: &sink)
                try reader.finish()
                _ = try sink.finish()
            } catch {}
            sink.abandon()
        }
    }
}

/// Where inputs that must be files go: one private folder, overwritten input after input.
enum Scratch {
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("auris-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url.appendingPathComponent("uploads"), withIntermediateDirectories: true)
        return url
    }()
    static var uploads: URL { folder.appendingPathComponent("uploads") }

    /// A tiny valid model (its tokenizer.json is what the tokenizer target overwrites).
    static let tinyModel: URL = {
        let url = folder.appendingPathComponent("model")
        _ = try? TinyWhisperModel.write(to: url, layers: 1, width: 16, heads: 2, melBins: 8)
        return url
    }()

    static func file(_ name: String, _ data: Data) -> String {
        let url = folder.appendingPathComponent(name)
        try? data.write(to: url)
        return url.path
    }
}
