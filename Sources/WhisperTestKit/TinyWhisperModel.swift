import Foundation
import Whisper

/// How a model's tensors are stored: CTranslate2's quantisation / compute-type names.
/// Weights (`…/weight`) take `weightType`; biases, norms and position tables `otherType`;
/// scalars keep their integer types.
public enum ModelQuantization: String, Sendable, CaseIterable {
    case float32
    case float16
    case bfloat16
    /// int8 weights with float32 scales; other tensors float32 (CTranslate2 "int8", "int8_float32").
    case int8
    case int8Float16 = "int8_float16"
    case int8BFloat16 = "int8_bfloat16"
    /// int16 weights with one float32 scale per tensor; other tensors float32.
    case int16

    public var weightType: ModelDataType {
        switch self {
        case .float32: .float32
        case .float16: .float16
        case .bfloat16: .bfloat16
        case .int8, .int8Float16, .int8BFloat16: .int8
        case .int16: .int16
        }
    }

    public var otherType: ModelDataType {
        switch self {
        case .float32, .int8, .int16: .float32
        case .float16, .int8Float16: .float16
        case .bfloat16, .int8BFloat16: .bfloat16
        }
    }
}

/// Writes small Whisper models with random weights in the exact CTranslate2 layout, for tests
/// and benchmarks that need a real model directory without downloading one.
///
/// The model has every variable a converted Whisper model has (the names of
/// `WhisperSpecLayout`, the scalars CTranslate2 4.x writes, and the
/// `decoder/projection/weight` → `decoder/embeddings/weight` alias), with shapes consistent with
/// the requested sizes, so the same loading code runs on it as on a real one. Weights come
/// from a seeded generator (same seed, same bytes):
///
/// - linear and convolution weights: uniform in ±1/√fan-in (PyTorch's default initialisation);
/// - token embedding: uniform in ±0.05; decoder positions: uniform in ±0.01;
/// - encoder positions: Whisper's fixed sinusoids;
/// - layer-norm gains 1 ± 0.05, shifts and biases ±0.02, except that the key part of each fused
///   attention bias is zero, as in converted models (Whisper's key projections have no bias).
///
/// The directory receives `model.bin`, `config.json` (see `TinyWhisperVocabulary.config`),
/// `vocabulary.txt` (or `vocabulary.json`) and a Hugging Face `tokenizer.json`.
public enum TinyWhisperModel {
    public enum VocabularyFormat: String, Sendable {
        /// One token per line, as faster-whisper's published models have.
        case text = "vocabulary.txt"
        /// A JSON array, as current CTranslate2 converters write.
        case json = "vocabulary.json"
    }

    /// Writes a tiny model into `directory` (created if needed) and returns its dimensions.
    @discardableResult
    public static func write(
        to directory: URL,
        dataType: ModelQuantization = .float32,
        layers: Int = 2,
        width: Int = 64,
        heads: Int = 2,
        melBins: Int = 80,
        vocabulary: TinyWhisperVocabulary = TinyWhisperVocabulary(),
        vocabularyFormat: VocabularyFormat = .text,
        maxTargetPositions: Int = 448,
        seed: UInt64 = 0
    ) throws(WhisperError) -> WhisperDimensions {
        let dimensions = try self.dimensions(layers: layers, width: width, heads: heads, melBins: melBins, vocabulary: vocabulary, maxTargetPositions: maxTargetPositions)
        let writer = try modelWriter(dimensions: dimensions, dataType: dataType, seed: seed)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WhisperError(.writeFailed, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        try writer.write(to: directory.appendingPathComponent("model.bin"))
        let config = vocabulary.config(decoderLayers: dimensions.decoderLayers, decoderHeads: dimensions.decoderHeads)
        try write(config.jsonData(), to: directory.appendingPathComponent("config.json"))
        let tokens: Data
        switch vocabularyFormat {
        case .text:
            tokens = ModelVocabularyFile.textData(vocabulary.tokens)
        case .json:
            tokens = try! JSONSerialization.data(withJSONObject: vocabulary.tokens, options: [.prettyPrinted])
        }
        try write(tokens, to: directory.appendingPathComponent(vocabularyFormat.rawValue))
        try write(vocabulary.tokenizerJSON(), to: directory.appendingPathComponent("tokenizer.json"))
        return dimensions
    }

    /// The dimensions `write` would use.
    public static func dimensions(
        layers: Int = 2, width: Int = 64, heads: Int = 2, melBins: Int = 80,
        vocabulary: TinyWhisperVocabulary = TinyWhisperVocabulary(), maxTargetPositions: Int = 448
    ) throws(WhisperError) -> WhisperDimensions {
        guard layers >= 1, width >= 2, width % 2 == 0, heads >= 1, width % heads == 0, melBins >= 1, maxTargetPositions >= 1 else {
            throw WhisperError(
                .invalidArgument,
                "tiny Whisper model: need layers ≥ 1, an even width divisible by heads, melBins ≥ 1 and maxTargetPositions ≥ 1 (got layers \(layers), width \(width), heads \(heads), melBins \(melBins), maxTargetPositions \(maxTargetPositions))"
            )
        }
        return WhisperDimensions(
            encoderLayers: layers, decoderLayers: layers, width: width, encoderHeads: heads, decoderHeads: heads,
            melBins: melBins, vocabularySize: vocabulary.tokens.count, maxTargetPositions: maxTargetPositions,
            audioContext: 1500, feedForwardWidth: 4 * width
        )
    }

    /// The `model.bin` contents as a writer, so tests can add, drop or corrupt variables first.
    public static func modelWriter(dimensions: WhisperDimensions, dataType: ModelQuantization = .float32, seed: UInt64 = 0) throws(WhisperError) -> ModelFileWriter {
        var writer = ModelFileWriter(specName: WhisperSpecLayout.specName, specRevision: WhisperSpecLayout.currentRevision)
        var generator = Generator(seed: seed)
        let d = dimensions.width
        for tensor in WhisperSpecLayout.tensors(for: dimensions) where tensor.name != "decoder/projection/weight" {
            let count = tensor.shape.reduce(1, *)
            let name = tensor.name
            var values: [Float]
            if name == "encoder/position_encodings/encodings" {
                values = sinusoids(length: tensor.shape[0], channels: d)
            } else if name == "decoder/position_encodings/encodings" {
                values = generator.uniform(count: count, bound: 0.01)
            } else if name == "decoder/embeddings/weight" {
                values = generator.uniform(count: count, bound: 0.05)
            } else if name.hasSuffix("/weight") {
                let fanIn = count / tensor.shape[0]
                values = generator.uniform(count: count, bound: 1 / Float(fanIn).squareRoot())
            } else if name.hasSuffix("/gamma") {
                values = generator.uniform(count: count, bound: 0.05).map { 1 + $0 }
            } else {
                values = generator.uniform(count: count, bound: 0.02)
                if name.hasSuffix("self_attention/linear_0/bias") {
                    for index in d..<(2 * d) { values[index] = 0 }  // Q;K;V: no key bias
                } else if name.hasSuffix("/attention/linear_1/bias") {
                    for index in 0..<d { values[index] = 0 }  // K;V of the cross-attention
                }
            }
            try writer.add(name, shape: tensor.shape, values: values, as: tensor.isQuantizable ? dataType.weightType : dataType.otherType)
        }
        for scalar in WhisperSpecLayout.scalars(for: dimensions) {
            try writer.addScalar(scalar.name, scalar.value, as: scalar.dataType)
        }
        try writer.addAlias("decoder/projection/weight", to: "decoder/embeddings/weight")
        return writer
    }

    /// Whisper's encoder position table: for position t and channel pair i,
    /// sin(t / 10000^(i/(half−1))) in the first half of the channels, cos in the second.
    public static func sinusoids(length: Int, channels: Int) -> [Float] {
        let half = channels / 2
        let increment = half > 1 ? log(10000.0) / Double(half - 1) : 0
        var table = [Float](repeating: 0, count: length * channels)
        for position in 0..<length {
            for index in 0..<half {
                let angle = Double(position) * exp(-increment * Double(index))
                table[position * channels + index] = Float(sin(angle))
                table[position * channels + half + index] = Float(cos(angle))
            }
        }
        return table
    }

    private static func write(_ data: Data, to url: URL) throws(WhisperError) {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw WhisperError(.writeFailed, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// SplitMix64: a tiny, fast, well-mixed seeded generator; the same seed gives the same stream on
    /// every platform.
    public struct Generator: RandomNumberGenerator, Sendable {
        private var state: UInt64

        public init(seed: UInt64) { state = seed }

        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// `count` floats uniform in [−bound, bound), from the top 24 bits of each draw (exact and
        /// platform-independent, unlike `Float.random(in:using:)` whose algorithm may change).
        public mutating func uniform(count: Int, bound: Float) -> [Float] {
            (0..<count).map { _ in
                let unit = Float(next() >> 40) * 0x1p-24
                return (2 * unit - 1) * bound
            }
        }
    }
}
