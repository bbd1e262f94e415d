// StageDump: writes what Auris computes at each stage of transcribing a clip — log-mel features,
// encoder output, and the logits of every decoding step with the tokens given (teacher forcing)
// — as raw little-endian float32 files, for `Benchmarks/Whisper/compare_stages.py` to compare
// with CTranslate2's.
//
//   StageDump MODEL_DIR COMPUTE_TYPE CLIP TOKENS_JSON OUT_DIR
//
// TOKENS_JSON: {"windows": [{"start_frame": 0, "frames": 3000, "prompt_length": 1, "tokens": [...]}]}
import DeviceMemory
import Foundation
import Tensor
import Whisper
import Audio

struct Window: Decodable {
    let start_frame: Int
    let frames: Int
    let prompt_length: Int
    let tokens: [Int]
}
struct Plan: Decodable { let windows: [Window] }

func write(_ values: [Float], to path: String) throws {
    try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
}

let arguments = CommandLine.arguments
guard arguments.count == 6, let computeType = ComputeType(name: arguments[2]) else {
    FileHandle.standardError.write(Data("usage: StageDump MODEL_DIR float32|float16|int8 CLIP TOKENS_JSON OUT_DIR\n".utf8))
    exit(2)
}
let output = arguments[5]
try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
let plan = try JSONDecoder().decode(Plan.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[4])))
let allocator = try CachingAllocator(backend: HostMemory())
let engine = try WhisperEngine(directory: URL(fileURLWithPath: arguments[1]), backend: CPUBackend(allocator: allocator, threads: 2),
                               computeType: computeType)
let stream = try AudioDecoder.open(path: arguments[3])
let features = try StreamingFeatures(melBins: engine.model.melBins) { try stream.read(maxFrames: 160_000) }
for (index, window) in plan.windows.enumerated() {
    let mel = try features.window(startFrame: window.start_frame, frameCount: window.frames)
    try write(mel, to: "\(output)/features_\(index).f32")
    try write(engine.model.encoderOutputValues(features: mel, melBins: features.melBins), to: "\(output)/encoder_\(index).f32")
    let decoder = try engine.model.encode(features: mel, melBins: features.melBins).makeDecoder()
    var logits = try decoder.feed(Array(window.tokens[..<window.prompt_length]), logitsAt: [window.prompt_length - 1])[0]
    for position in window.prompt_length..<window.tokens.count {
        logits += try decoder.feed([window.tokens[position]], logitsAt: [position])[0]
    }
    try write(logits, to: "\(output)/logits_\(index).f32")
}
