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

    func readCrossAttention(tokens: [Int], heads alignmentHeads: [WhisperModelConfig.AlignmentHead], probabilityRows: Range<Int>,
                            textVocabulary: Int) throws -> CrossAttentionReading {
        precondition(probabilityRows.lowerBound >= 0 && probabilityRows.upperBound < tokens.count, "probability rows outside the tokens")
        let pass = try WhisperDecoderPass(window: self)
        var scores = [[Float]](repeating: [], count: alignmentHeads.count)
        let hidden = try pass.run(tokens) { layer, query in
            for (index, head) in alignmentHeads.enumerated() where head.layer == layer {
                scores[index] = try self.backend.crossAttentionScores(query: query, fusedKeyValues: self.crossKeyValues[layer],
                                                                        heads: self.heads, head: head.head)
            }
        }
        guard scores.allSatisfy({ !$0.isEmpty }) else {
            throw WhisperError(.invalidConfig, "alignment_heads names a layer or head this model does not have")
        }
        // The logits two rows at a time, as decoding asks for them: a product of more rows would
        // widen the whole float16 vocabulary projection to float32 (80 MB for tiny) and take
        // memory the job's predicted peak does not include (Note [Predicting a job's peak]).
        var probabilities: [Float] = []
        for chunk in stride(from: probabilityRows.lowerBound, to: probabilityRows.upperBound, by: 2) {
            let rows = Array(chunk..<min(chunk + 2, probabilityRows.upperBound))
            let logits = try backend.download(pass.logits(backend.gatherRows(hidden, rows: rows)))
            let vocabulary = weights.embeddings.rows
            for (offset, row) in rows.enumerated() {
                let text = Array(logits[(offset * vocabulary)..<(offset * vocabulary + textVocabulary)])
                let target = tokens[row + 1]
                probabilities.append(target < textVocabulary ? LogitsMath.softmax(text)[target] : 0)
            }
        }
        return CrossAttentionReading(scores: scores, frames: crossKeyValues[0].rows, probabilities: probabilities)
    }
}
