/// The variables of a CTranslate2 `WhisperSpec` model (spec revision 3, binary version 6).
///
/// Names, shapes and types below were printed from the real `faster-whisper` tiny.en
/// `model.bin` (float16; d = 384 model width, 6 heads, 4 + 4 layers, 80 mel bins, vocabulary
/// V = 51864, 448 text positions, 1500 audio positions, feed-forward width 4d = 1536). Every
/// weight matrix is `[out, in]` (PyTorch `nn.Linear` layout: y = x·Wᵀ + b). `N` is the layer
/// index, from 0.
///
/// ```
/// encoder/num_heads                                   []            int16   6
/// encoder/conv1/weight                                [d, mels, 3]  float16 [384, 80, 3]   kernel 3, stride 1, padding 1
/// encoder/conv1/bias                                  [d]           float16
/// encoder/conv2/weight                                [d, d, 3]     float16 [384, 384, 3]  kernel 3, stride 2, padding 1
/// encoder/conv2/bias                                  [d]           float16
/// encoder/position_encodings/encodings                [1500, d]     float16 (sinusoids in Whisper)
/// encoder/layer_N/self_attention/layer_norm/gamma     [d]           float16 (pre-norm)
/// encoder/layer_N/self_attention/layer_norm/beta      [d]           float16
/// encoder/layer_N/self_attention/linear_0/weight      [3d, d]       float16 [1152, 384]  fused Q;K;V (rows 0..<d Q, d..<2d K, 2d..<3d V)
/// encoder/layer_N/self_attention/linear_0/bias        [3d]          float16 (K part is zero: Whisper's k_proj has no bias)
/// encoder/layer_N/self_attention/linear_1/weight      [d, d]        float16 output projection
/// encoder/layer_N/self_attention/linear_1/bias        [d]           float16
/// encoder/layer_N/ffn/layer_norm/gamma                [d]           float16
/// encoder/layer_N/ffn/layer_norm/beta                 [d]           float16
/// encoder/layer_N/ffn/linear_0/weight                 [4d, d]       float16 [1536, 384]  then GELU (erf)
/// encoder/layer_N/ffn/linear_0/bias                   [4d]          float16
/// encoder/layer_N/ffn/linear_1/weight                 [d, 4d]       float16 [384, 1536]
/// encoder/layer_N/ffn/linear_1/bias                   [d]           float16
/// encoder/layer_norm/gamma                            [d]           float16 final norm
/// encoder/layer_norm/beta                             [d]           float16
///
/// decoder/num_heads                                   []            int16   6
/// decoder/activation                                  []            int8    3 (GELU)
/// decoder/pre_norm                                    []            int8    1
/// decoder/scale_embeddings                            []            int8    0 (no √d scaling)
/// decoder/alibi                                       []            int8    0
/// decoder/alignment_layer                             []            int16   -1
/// decoder/alignment_heads                             []            int16   1
/// decoder/start_from_zero_embedding                   []            int8    0
/// (converters ≥ 4.x also write decoder/alibi_use_positive_positions and decoder/scale_alibi, int8 0)
/// decoder/embeddings/weight                           [V, d]        float16 [51864, 384]  token embedding
/// decoder/position_encodings/encodings                [448, d]      float16 learned positions
/// decoder/layer_N/self_attention/layer_norm/gamma     [d]           float16
/// decoder/layer_N/self_attention/layer_norm/beta      [d]           float16
/// decoder/layer_N/self_attention/linear_0/weight      [3d, d]       float16 fused Q;K;V
/// decoder/layer_N/self_attention/linear_0/bias        [3d]          float16 (K part zero)
/// decoder/layer_N/self_attention/linear_1/weight      [d, d]        float16 output projection
/// decoder/layer_N/self_attention/linear_1/bias        [d]           float16
/// decoder/layer_N/attention/layer_norm/gamma          [d]           float16 cross-attention pre-norm
/// decoder/layer_N/attention/layer_norm/beta           [d]           float16
/// decoder/layer_N/attention/linear_0/weight           [d, d]        float16 query (from the decoder stream)
/// decoder/layer_N/attention/linear_0/bias             [d]           float16
/// decoder/layer_N/attention/linear_1/weight           [2d, d]       float16 [768, 384]  fused K;V of the encoder output
/// decoder/layer_N/attention/linear_1/bias             [2d]          float16 (K half zero)
/// decoder/layer_N/attention/linear_2/weight           [d, d]        float16 output projection
/// decoder/layer_N/attention/linear_2/bias             [d]           float16
/// decoder/layer_N/ffn/layer_norm/gamma                [d]           float16
/// decoder/layer_N/ffn/layer_norm/beta                 [d]           float16
/// decoder/layer_N/ffn/linear_0/weight                 [4d, d]       float16
/// decoder/layer_N/ffn/linear_0/bias                   [4d]          float16
/// decoder/layer_N/ffn/linear_1/weight                 [d, 4d]       float16
/// decoder/layer_N/ffn/linear_1/bias                   [d]           float16
/// decoder/layer_norm/gamma                            [d]           float16 final norm
/// decoder/layer_norm/beta                             [d]           float16
/// decoder/projection/weight   alias → decoder/embeddings/weight (tied output layer; no bias)
/// ```
///
/// tiny.en holds 148 stored variables (20 outside layers, 12 per encoder layer, 20 per decoder
/// layer) and that one alias. Layer norms use ε = 1e-5.
///
/// Other weight types change only the stored type, never the names or shapes: every `…/weight`
/// above (linear, convolution and embedding weights) is then int8 or int16 with a companion
/// `…/weight_scale` (float32 `[rows]` for int8 — `[d]` for the convolutions, `[V]` for the
/// embedding — or a float32 scalar for int16); `decoder/projection/weight_scale` resolves
/// through the alias to `decoder/embeddings/weight_scale`. Biases, norms and position tables
/// are float32 (`int8`, `int8_float32`, `int16`), float16 (`int8_float16`) or bfloat16
/// (`int8_bfloat16`).
public enum WhisperSpecLayout {
    /// The spec name in `model.bin`.
    public static let specName = "WhisperSpec"
    /// The newest `WhisperSpec` revision this reader knows (CTranslate2 4.x writes 3).
    public static let currentRevision = 3
    /// CTranslate2's activation id for GELU (`common_spec.Activation.GELU`).
    public static let geluActivation = 3

    /// One tensor a Whisper model must have.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// Whether converters quantise it (names ending in `weight`: linear, convolution and
        /// embedding weights), so that an integer copy comes with `<name>_scale`.
        public var isQuantizable: Bool { name.hasSuffix("weight") }
    }

    /// One scalar the converter writes, with the value it writes for Whisper.
    public struct Scalar: Sendable, Equatable {
        public let name: String
        public let dataType: ModelDataType
        public let value: Int
    }

    /// Every required tensor for the given dimensions, in the converter's (sorted) order.
    /// `decoder/projection/weight` is listed: it is normally an alias of the embedding.
    public static func tensors(for dimensions: WhisperDimensions) -> [Tensor] {
        let d = dimensions.width
        let ffn = dimensions.feedForwardWidth
        var tensors: [Tensor] = []
        func add(_ name: String, _ shape: [Int]) { tensors.append(Tensor(name: name, shape: shape)) }
        func norm(_ scope: String) {
            add("\(scope)/beta", [d])
            add("\(scope)/gamma", [d])
        }
        func linear(_ scope: String, out: Int, in input: Int) {
            add("\(scope)/bias", [out])
            add("\(scope)/weight", [out, input])
        }
        func feedForward(_ scope: String) {
            norm("\(scope)/ffn/layer_norm")
            linear("\(scope)/ffn/linear_0", out: ffn, in: d)
            linear("\(scope)/ffn/linear_1", out: d, in: ffn)
        }

        add("decoder/embeddings/weight", [dimensions.vocabularySize, d])
        for layer in 0..<dimensions.decoderLayers {
            let scope = "decoder/layer_\(layer)"
            norm("\(scope)/attention/layer_norm")
            linear("\(scope)/attention/linear_0", out: d, in: d)
            linear("\(scope)/attention/linear_1", out: 2 * d, in: d)
            linear("\(scope)/attention/linear_2", out: d, in: d)
            feedForward(scope)
            norm("\(scope)/self_attention/layer_norm")
            linear("\(scope)/self_attention/linear_0", out: 3 * d, in: d)
            linear("\(scope)/self_attention/linear_1", out: d, in: d)
        }
        norm("decoder/layer_norm")
        add("decoder/position_encodings/encodings", [dimensions.maxTargetPositions, d])
        add("decoder/projection/weight", [dimensions.vocabularySize, d])
        add("encoder/conv1/bias", [d])
        add("encoder/conv1/weight", [d, dimensions.melBins, 3])
        add("encoder/conv2/bias", [d])
        add("encoder/conv2/weight", [d, d, 3])
        for layer in 0..<dimensions.encoderLayers {
            let scope = "encoder/layer_\(layer)"
            feedForward(scope)
            norm("\(scope)/self_attention/layer_norm")
            linear("\(scope)/self_attention/linear_0", out: 3 * d, in: d)
            linear("\(scope)/self_attention/linear_1", out: d, in: d)
        }
        norm("encoder/layer_norm")
        add("encoder/position_encodings/encodings", [dimensions.audioContext, d])
        return tensors.sorted { $0.name.unicodeScalars.lexicographicallyPrecedes($1.name.unicodeScalars) }
    }

    /// The scalars CTranslate2 4.x writes for a Whisper spec (readers treat them as optional:
    /// older converters omit some).
    public static func scalars(for dimensions: WhisperDimensions) -> [Scalar] {
        [
            Scalar(name: "decoder/activation", dataType: .int8, value: geluActivation),
            Scalar(name: "decoder/alibi", dataType: .int8, value: 0),
            Scalar(name: "decoder/alibi_use_positive_positions", dataType: .int8, value: 0),
            Scalar(name: "decoder/alignment_heads", dataType: .int16, value: 1),
            Scalar(name: "decoder/alignment_layer", dataType: .int16, value: -1),
            Scalar(name: "decoder/num_heads", dataType: .int16, value: dimensions.decoderHeads),
            Scalar(name: "decoder/pre_norm", dataType: .int8, value: 1),
            Scalar(name: "decoder/scale_alibi", dataType: .int8, value: 0),
            Scalar(name: "decoder/scale_embeddings", dataType: .int8, value: 0),
            Scalar(name: "decoder/start_from_zero_embedding", dataType: .int8, value: 0),
            Scalar(name: "encoder/num_heads", dataType: .int16, value: dimensions.encoderHeads),
        ]
    }
}

/// The sizes of a Whisper model, derived from its variables (CTranslate2 keeps no separate
/// hyper-parameter file). For tiny.en: 4 + 4 layers, width 384, 6 + 6 heads, 80 mel bins,
/// vocabulary 51864, 448 text positions, 1500 audio positions, feed-forward 1536.
public struct WhisperDimensions: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var encoderLayers: Int
    public var decoderLayers: Int
    /// d_model.
    public var width: Int
    public var encoderHeads: Int
    public var decoderHeads: Int
    /// Input mel bins (80, or 128 for large-v3).
    public var melBins: Int
    /// Rows of the token embedding (51864 English-only, 51865 multilingual, 51866 large-v3).
    public var vocabularySize: Int
    /// Rows of the decoder's learned position table (448): the longest token sequence.
    public var maxTargetPositions: Int
    /// Rows of the encoder's position table (1500 = 3000 mel frames / conv2's stride 2).
    public var audioContext: Int
    /// Hidden width of the feed-forward layers (4 × width in every released model).
    public var feedForwardWidth: Int

    public init(
        encoderLayers: Int, decoderLayers: Int, width: Int, encoderHeads: Int, decoderHeads: Int,
        melBins: Int, vocabularySize: Int, maxTargetPositions: Int = 448, audioContext: Int = 1500,
        feedForwardWidth: Int? = nil
    ) {
        self.encoderLayers = encoderLayers
        self.decoderLayers = decoderLayers
        self.width = width
        self.encoderHeads = encoderHeads
        self.decoderHeads = decoderHeads
        self.melBins = melBins
        self.vocabularySize = vocabularySize
        self.maxTargetPositions = maxTargetPositions
        self.audioContext = audioContext
        self.feedForwardWidth = feedForwardWidth ?? 4 * width
    }

    /// Width of one attention head (64 in every released model).
    public var headWidth: Int { width / encoderHeads }

    public var description: String {
        "Whisper(\(encoderLayers)+\(decoderLayers) layers, width \(width), heads \(encoderHeads)/\(decoderHeads), \(melBins) mels, vocabulary \(vocabularySize), \(maxTargetPositions) text / \(audioContext) audio positions, ffn \(feedForwardWidth))"
    }

    /// Derives the dimensions of the Whisper model in `file` and checks that every tensor the
    /// spec requires is present with a consistent shape (and, when quantised, has its scale).
    ///
    /// Heads come from `encoder/num_heads` / `decoder/num_heads` when present, else width / 64.
    /// Throws `wrongSpec` for a model that is not a `WhisperSpec` or that sets flags this
    /// engine does not implement (post-norm, ALiBi, scaled embeddings, an activation other than
    /// GELU), `unsupportedVersion` for a newer spec revision, `missingVariable` and
    /// `shapeMismatch` for an incomplete or inconsistent model.
    public init(file: ModelFile) throws(WhisperError) {
        let path = file.path
        guard file.specName == WhisperSpecLayout.specName else {
            if file.specName.isEmpty {
                throw WhisperError(.wrongSpec, "\(path) has binary version \(file.binaryVersion), which names no spec; a Whisper model needs a WhisperSpec (binary version 2 or later)")
            }
            throw WhisperError(.wrongSpec, "\(path) holds a CTranslate2 \(file.specName) model, not a WhisperSpec (Whisper) model")
        }
        guard file.specRevision <= WhisperSpecLayout.currentRevision else {
            throw WhisperError(
                .unsupportedVersion,
                "\(path) has WhisperSpec revision \(file.specRevision); this reader supports revisions up to \(WhisperSpecLayout.currentRevision). The model was probably converted by a newer CTranslate2."
            )
        }

        func shape(_ name: String, rank: Int) throws(WhisperError) -> [Int] {
            let variable = try file.variable(name)
            guard variable.rank == rank else {
                throw WhisperError(.shapeMismatch, "\(path): \(name) has shape \(variable.shape); a Whisper model needs rank \(rank)")
            }
            return variable.shape
        }

        let conv1 = try shape("encoder/conv1/weight", rank: 3)
        let width = conv1[0]
        let melBins = conv1[1]
        let embedding = try shape("decoder/embeddings/weight", rank: 2)
        let vocabularySize = embedding[0]
        let targetPositions = try shape("decoder/position_encodings/encodings", rank: 2)[0]
        let audioPositions = try shape("encoder/position_encodings/encodings", rank: 2)[0]
        let feedForward = try shape("encoder/layer_0/ffn/linear_0/weight", rank: 2)[0]
        guard width > 0 else {
            throw WhisperError(.shapeMismatch, "\(path): encoder/conv1/weight has shape \(conv1); the model width cannot be 0")
        }

        let encoderLayers = try Self.countLayers("encoder", in: file)
        let decoderLayers = try Self.countLayers("decoder", in: file)
        let defaultHeads = max(1, width / 64)
        let encoderHeads = try file.scalarInt("encoder/num_heads", default: defaultHeads)
        let decoderHeads = try file.scalarInt("decoder/num_heads", default: defaultHeads)
        for (scope, heads) in [("encoder", encoderHeads), ("decoder", decoderHeads)] {
            guard heads > 0, width % heads == 0 else {
                throw WhisperError(.shapeMismatch, "\(path): \(scope)/num_heads is \(heads), which does not divide the model width \(width)")
            }
        }

        self.init(
            encoderLayers: encoderLayers, decoderLayers: decoderLayers, width: width,
            encoderHeads: encoderHeads, decoderHeads: decoderHeads, melBins: melBins,
            vocabularySize: vocabularySize, maxTargetPositions: targetPositions,
            audioContext: audioPositions, feedForwardWidth: feedForward
        )
        try Self.checkArchitectureFlags(file)
        try validate(file)
    }

    /// Counts `<scope>/layer_N/…` groups and checks they run 0..<count without a gap.
    private static func countLayers(_ scope: String, in file: ModelFile) throws(WhisperError) -> Int {
        let prefix = scope + "/layer_"
        var indices = Set<Int>()
        for variable in file.variables where variable.name.hasPrefix(prefix) {
            let rest = variable.name.dropFirst(prefix.count)
            guard let slash = rest.firstIndex(of: "/"), let index = Int(rest[..<slash]) else { continue }
            indices.insert(index)
        }
        guard !indices.isEmpty else {
            throw WhisperError(.missingVariable, "\(file.path) has no \(scope) layers (no variable named \(prefix)0/…)")
        }
        let count = indices.max()! + 1
        if let gap = (0..<count).first(where: { !indices.contains($0) }) {
            throw WhisperError(.missingVariable, "\(file.path) has \(scope) layers up to \(count - 1) but none of the variables of \(prefix)\(gap)")
        }
        return count
    }

    private static func checkArchitectureFlags(_ file: ModelFile) throws(WhisperError) {
        let expectations: [(String, Int, String)] = [
            ("decoder/activation", WhisperSpecLayout.geluActivation, "GELU activation (3)"),
            ("decoder/pre_norm", 1, "pre-norm layers"),
            ("decoder/alibi", 0, "no ALiBi"),
            ("decoder/scale_embeddings", 0, "unscaled embeddings"),
            ("decoder/start_from_zero_embedding", 0, "no zero start embedding"),
        ]
        for (name, expected, meaning) in expectations {
            if let value = try file.scalarIntIfPresent(name), value != expected {
                throw WhisperError(.wrongSpec, "\(file.path): \(name) is \(value), but a Whisper model has \(meaning)")
            }
        }
    }

    /// Checks that `file` has every tensor of `WhisperSpecLayout.tensors(for: self)` with the
    /// expected shape, and a scale for every integer weight.
    public func validate(_ file: ModelFile) throws(WhisperError) {
        for tensor in WhisperSpecLayout.tensors(for: self) {
            guard let variable = file.variableIfPresent(tensor.name) else {
                if let target = file.aliases[tensor.name] {
                    throw WhisperError(.missingVariable, "\(file.path) lacks the Whisper variable \(tensor.name): it is an alias of \(target), which the file does not contain")
                }
                throw WhisperError(.missingVariable, "\(file.path) lacks the Whisper variable \(tensor.name) (expected shape \(tensor.shape))")
            }
            guard variable.shape == tensor.shape else {
                throw WhisperError(.shapeMismatch, "\(file.path): \(tensor.name) has shape \(variable.shape), expected \(tensor.shape) for \(self)")
            }
            if !variable.dataType.isFloatingPoint {
                guard tensor.isQuantizable else {
                    throw WhisperError(.dataTypeMismatch, "\(file.path): \(tensor.name) is \(variable.dataType); only weights may be quantised")
                }
                if variable.dataType == .int8 {
                    let scale = try file.scale(of: tensor.name)
                    guard scale.shape == [tensor.shape[0]] else {
                        throw WhisperError(.shapeMismatch, "\(file.path): \(tensor.name)_scale has shape \(scale.shape), expected [\(tensor.shape[0])] (one scale per row)")
                    }
                }
            }
        }
    }
}
