import Tensor

/// The weights of one pre-norm transformer sub-layer's layer norm.
struct LayerNormWeights {
    let gamma: Tensor
    let beta: Tensor
}

/// A linear layer in CTranslate2's layout: weight `[out, in]` in the model's compute type,
/// optional float32 bias `[out]`.
struct LinearWeights {
    let weight: WeightMatrix
    let bias: Tensor?
}

struct EncoderLayerWeights {
    let attentionNorm: LayerNormWeights
    /// Fused query/key/value projection, `[3 width, width]`.
    let attentionInput: LinearWeights
    let attentionOutput: LinearWeights
    let feedForwardNorm: LayerNormWeights
    let feedForwardInner: LinearWeights
    let feedForwardOuter: LinearWeights
}

struct DecoderLayerWeights {
    let selfAttentionNorm: LayerNormWeights
    let selfAttentionInput: LinearWeights
    let selfAttentionOutput: LinearWeights
    let crossAttentionNorm: LayerNormWeights
    let crossAttentionQuery: LinearWeights
    /// Fused key/value projection of the encoder output, `[2 width, width]`.
    let crossAttentionKeyValue: LinearWeights
    let crossAttentionOutput: LinearWeights
    let feedForwardNorm: LayerNormWeights
    let feedForwardInner: LinearWeights
    let feedForwardOuter: LinearWeights
}

/// Every weight of a Whisper model, resident on one device, named as CTranslate2's WhisperSpec
/// names them.
struct WhisperWeights {
    let conv1Weight: Tensor, conv1Bias: Tensor
    let conv2Weight: Tensor, conv2Bias: Tensor
    let encoderPositions: Tensor
    let encoderLayers: [EncoderLayerWeights]
    let encoderNorm: LayerNormWeights
    /// Token embeddings `[vocabulary, width]`; also the output projection (tied weights).
    let embeddings: WeightMatrix
    let decoderPositions: Tensor
    let decoderLayers: [DecoderLayerWeights]
    let decoderNorm: LayerNormWeights

    /// Whether a variable is loaded as a matrix in the compute type (linear layers and the
    /// embedding), rather than as a float32 tensor (convolutions, biases, norms, positions).
    static func isMatrix(_ name: String, rank: Int) -> Bool {
        rank == 2 && name.hasSuffix("weight")
    }

    /// Loads every weight: matrices of linear layers and the embedding through `matrix(name)`,
    /// in the compute type; the rest (convolutions, biases, norms, positions) through
    /// `tensor(name)`, in float32, as CTranslate2 keeps them.
    init(encoderLayers: Int, decoderLayers: Int, tensor: (String) throws -> Tensor, optionalTensor: (String) throws -> Tensor?,
         matrix: (String) throws -> WeightMatrix) throws {
        func norm(_ prefix: String) throws -> LayerNormWeights {
            LayerNormWeights(gamma: try tensor("\(prefix)/gamma"), beta: try tensor("\(prefix)/beta"))
        }
        func linear(_ prefix: String) throws -> LinearWeights {
            LinearWeights(weight: try matrix("\(prefix)/weight"), bias: try optionalTensor("\(prefix)/bias"))
        }
        conv1Weight = try tensor("encoder/conv1/weight")
        conv1Bias = try tensor("encoder/conv1/bias")
        conv2Weight = try tensor("encoder/conv2/weight")
        conv2Bias = try tensor("encoder/conv2/bias")
        encoderPositions = try tensor("encoder/position_encodings/encodings")
        self.encoderLayers = try (0..<encoderLayers).map { index in
            let p = "encoder/layer_\(index)"
            return EncoderLayerWeights(
                attentionNorm: try norm("\(p)/self_attention/layer_norm"),
                attentionInput: try linear("\(p)/self_attention/linear_0"),
                attentionOutput: try linear("\(p)/self_attention/linear_1"),
                feedForwardNorm: try norm("\(p)/ffn/layer_norm"),
                feedForwardInner: try linear("\(p)/ffn/linear_0"),
                feedForwardOuter: try linear("\(p)/ffn/linear_1"))
        }
        encoderNorm = try norm("encoder/layer_norm")
        embeddings = try matrix("decoder/embeddings/weight")
        decoderPositions = try tensor("decoder/position_encodings/encodings")
        self.decoderLayers = try (0..<decoderLayers).map { index in
            let p = "decoder/layer_\(index)"
            return DecoderLayerWeights(
                selfAttentionNorm: try norm("\(p)/self_attention/layer_norm"),
                selfAttentionInput: try linear("\(p)/self_attention/linear_0"),
                selfAttentionOutput: try linear("\(p)/self_attention/linear_1"),
                crossAttentionNorm: try norm("\(p)/attention/layer_norm"),
                crossAttentionQuery: try linear("\(p)/attention/linear_0"),
                crossAttentionKeyValue: try linear("\(p)/attention/linear_1"),
                crossAttentionOutput: try linear("\(p)/attention/linear_2"),
                feedForwardNorm: try norm("\(p)/ffn/layer_norm"),
                feedForwardInner: try linear("\(p)/ffn/linear_0"),
                feedForwardOuter: try linear("\(p)/ffn/linear_1"))
        }
        decoderNorm = try norm("decoder/layer_norm")
    }
}
