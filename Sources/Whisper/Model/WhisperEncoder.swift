import Tensor

/// The audio encoder: two convolutions (the second halves the frame rate), sinusoidal
/// positions, pre-norm self-attention blocks, a final layer norm.
struct WhisperEncoder {
    let backend: any ComputeBackend
    let weights: WhisperWeights
    let heads: Int

    /// features `[melBins, 3000]` → encoder output `[1500, width]`.
    func encode(_ features: Tensor) throws -> Tensor {
        var x = try backend.conv1d(features, weight: weights.conv1Weight, bias: weights.conv1Bias, stride: 1, padding: 1)
        try backend.geluInPlace(x)
        x = try backend.conv1d(x, weight: weights.conv2Weight, bias: weights.conv2Bias, stride: 2, padding: 1)
        try backend.geluInPlace(x)
        x = try backend.transpose(x)
        try backend.addInPlace(x, weights.encoderPositions)
        for layer in weights.encoderLayers {
            let qkv = try backend.linear(backend.layerNorm(x, layer.attentionNorm), layer.attentionInput)
            let attended = try backend.selfAttention(fused: qkv, heads: heads)
            try backend.addInPlace(x, backend.linear(attended, layer.attentionOutput))
            try backend.feedForward(x, norm: layer.feedForwardNorm, inner: layer.feedForwardInner, outer: layer.feedForwardOuter)
        }
        return try backend.layerNorm(x, weights.encoderNorm)
    }
}
