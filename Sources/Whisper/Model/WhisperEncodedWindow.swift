import Tensor

/// One encoded 30-second window: the cross-attention keys and values of every decoder layer,
/// computed once and shared by every decoding pass (one per temperature tried).
final class WhisperEncodedWindow: EncodedWindow, @unchecked Sendable {
    // @unchecked: immutable after init; tensors are read-only from here on.
    let backend: any ComputeBackend
    let weights: WhisperWeights
    let heads: Int
    /// Per decoder layer, the cross-attention keys and values of the window's 1500 frames,
    /// fused `[1500, 2 · width]` as one product makes them, stored for the compute type.
    let crossKeyValues: [WeightMatrix]
    let timings: EngineTimingsRecorder

    init(backend: any ComputeBackend, weights: WhisperWeights, heads: Int, encoderOutput: Tensor, computeType: ComputeType,
         timings: EngineTimingsRecorder) throws {
        self.backend = backend
        self.timings = timings
        self.weights = weights
        self.heads = heads
        crossKeyValues = try weights.decoderLayers.map {
            try backend.projectKeyValues(encoderOutput, weights: $0.crossAttentionKeyValue.weight, bias: $0.crossAttentionKeyValue.bias,
                                         heads: heads, for: computeType)
        }
    }

    func makeDecoder() throws -> any TokenDecoder {
        try WhisperDecoderPass(window: self)
    }
}
