import Tensor

/// One decoding pass over one encoded window: token embeddings plus learned positions, causal
/// self-attention over a key/value cache that grows with each call, cross-attention over the
/// window's precomputed keys and values, and logits through the tied embedding matrix.
final class WhisperDecoderPass: TokenDecoder {
    let backend: any ComputeBackend
    let weights: WhisperWeights
    let heads: Int
    let window: WhisperEncodedWindow
    /// Per layer, `[maxPositions, width]`, filled up to `length` rows.
    private let selfKeys: [Tensor]
    private let selfValues: [Tensor]
    private(set) var length = 0

    init(window: WhisperEncodedWindow) throws {
        self.window = window
        self.backend = window.backend
        self.weights = window.weights
        self.heads = window.heads
        let positions = weights.decoderPositions.rows, width = weights.embeddings.columns
        selfKeys = try weights.decoderLayers.map { _ in try window.backend.makeTensor(shape: [positions, width]) }
        selfValues = try weights.decoderLayers.map { _ in try window.backend.makeTensor(shape: [positions, width]) }
    }

    func feed(_ tokens: [Int], logitsAt positions: [Int]) throws -> [[Float]] {
        let started = ContinuousClock.now
        let start = length
        let x = try run(tokens, crossQueries: nil)
        guard !positions.isEmpty else { return [] }
        precondition(positions.allSatisfy { $0 >= start && $0 < length }, "logits asked for positions outside this call")
        // Only the asked-for rows go through the final norm and the (large) vocabulary projection.
        // A decoding step asks for its one row: no gather then.
        let rows = positions.elementsEqual(start..<length) ? x : try backend.gatherRows(x, rows: positions.map { $0 - start })
        let logits = try self.logits(rows)
        let queued = ContinuousClock.now
        let values = try backend.download(logits)
        let downloaded = ContinuousClock.now
        window.timings.record {
            $0.decoderCalls += 1
            $0.decoderQueueSeconds += (queued - started).seconds
            $0.decoderWaitSeconds += (downloaded - queued).seconds
        }
        let vocabulary = weights.embeddings.rows
        return (0..<positions.count).map { Array(values[($0 * vocabulary)..<(($0 + 1) * vocabulary)]) }
    }

    /// Feeds `tokens` through every layer, extending the key/value cache, and returns their
    /// hidden states. `crossQueries`, when given, receives each layer's cross-attention queries.
    func run(_ tokens: [Int], crossQueries: ((_ layer: Int, _ query: Tensor) throws -> Void)?) throws -> Tensor {
        let start = length, width = weights.embeddings.columns
        guard start + tokens.count <= weights.decoderPositions.rows else {
            throw WhisperError(.sequenceTooLong,
                "the decoder holds at most \(weights.decoderPositions.rows) tokens; \(start + tokens.count) were fed")
        }
        let x = try backend.gatherRows(weights.embeddings, rows: tokens)
        try backend.addInPlace(x, backend.gatherRows(weights.decoderPositions, rows: Array(start..<(start + tokens.count))))
        for (index, layer) in weights.decoderLayers.enumerated() {
            let qkv = try backend.linear(backend.layerNorm(x, layer.selfAttentionNorm), layer.selfAttentionInput)
            let query = try backend.columns(of: qkv, start: 0, width: width)
            try backend.copyColumns(of: qkv, columnStart: width, width: width, into: selfKeys[index], destinationRow: start)
            try backend.copyColumns(of: qkv, columnStart: 2 * width, width: width, into: selfValues[index], destinationRow: start)
            let attended = try backend.attention(query: query, keys: selfKeys[index], values: selfValues[index],
                                                 keyCount: start + tokens.count, heads: heads, causal: true)
            try backend.addInPlace(x, backend.linear(attended, layer.selfAttentionOutput))

            let crossQuery = try backend.linear(backend.layerNorm(x, layer.crossAttentionNorm), layer.crossAttentionQuery)
            try crossQueries?(index, crossQuery)
            let crossAttended = try backend.crossAttention(query: crossQuery, fusedKeyValues: window.crossKeyValues[index], heads: heads)
            try backend.addInPlace(x, backend.linear(crossAttended, layer.crossAttentionOutput))
            try backend.feedForward(x, norm: layer.feedForwardNorm, inner: layer.feedForwardInner, outer: layer.feedForwardOuter)
        }
        length = start + tokens.count
        return x
    }

    /// Next-token logits of hidden-state rows: the final norm, then the tied embeddings.
    func logits(_ rows: Tensor) throws -> Tensor {
        try backend.linear(backend.layerNorm(rows, weights.decoderNorm), weights: weights.embeddings, bias: nil)
    }
}
