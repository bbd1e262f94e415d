import Tensor

/// One encoded 30-second window: the cross-attention keys and values of every decoder layer,
/// computed once and shared by every decoding pass (one per temperature tried).
final class WhisperEncodedWindow: EncodedWindow, @unchecked Sendable {
    // @unchecked: immutable after init; tensors are read-only from here on.
    let backend: any ComputeBackend
    let weights: WhisperWeights
    let heads: Int
    let crossKeys: [Tensor]
    let crossValues: [Tensor]

    init(backend: any ComputeBackend, weights: WhisperWeights, heads: Int, encoderOutput: Tensor) throws {
        self.backend = backend
        self.weights = weights
        self.heads = heads
        let width = encoderOutput.columns
        var keys: [Tensor] = [], values: [Tensor] = []
        for layer in weights.decoderLayers {
            let keyValue = try backend.linear(encoderOutput, layer.crossAttentionKeyValue)
            keys.append(try backend.columns(of: keyValue, start: 0, width: width))
            values.append(try backend.columns(of: keyValue, start: width, width: width))
        }
        crossKeys = keys
        crossValues = values
    }

    func makeDecoder() throws -> any TokenDecoder {
        try WhisperDecoderPass(window: self)
    }
}
