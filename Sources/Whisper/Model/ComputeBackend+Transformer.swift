import Tensor

/// The transformer building blocks Whisper is made of, in terms of backend operations.
extension ComputeBackend {
    func linear(_ x: Tensor, _ layer: LinearWeights) throws -> Tensor {
        try linear(x, weights: layer.weight, bias: layer.bias)
    }

    func layerNorm(_ x: Tensor, _ norm: LayerNormWeights) throws -> Tensor {
        try layerNorm(x, gamma: norm.gamma, beta: norm.beta, epsilon: 1e-5)
    }

    /// Rows per block of the feed-forward block: the encoder's hidden layer is four times as wide
    /// as its input (9.2 MB for tiny's 1500 frames whole, 1.6 MB in blocks of 256 rows).
    static var feedForwardBlock: Int { 256 }

    /// Pre-norm feed-forward block, added onto `x`, a block of rows at a time (rows are
    /// independent here, so the result is the same).
    func feedForward(_ x: Tensor, norm: LayerNormWeights, inner: LinearWeights, outer: LinearWeights) throws {
        guard x.rows > Self.feedForwardBlock else {
            return try addInPlace(x, feedForwardResult(x, norm: norm, inner: inner, outer: outer))
        }
        for start in stride(from: 0, to: x.rows, by: Self.feedForwardBlock) {
            let block = try gatherRows(x, rows: Array(start..<min(start + Self.feedForwardBlock, x.rows)))
            try addInPlace(block, feedForwardResult(block, norm: norm, inner: inner, outer: outer))
            try copyColumns(of: block, columnStart: 0, width: x.columns, into: x, destinationRow: start)
        }
    }

    private func feedForwardResult(_ x: Tensor, norm: LayerNormWeights, inner: LinearWeights, outer: LinearWeights) throws -> Tensor {
        let hidden = try linear(layerNorm(x, norm), inner)
        try geluInPlace(hidden)
        return try linear(hidden, outer)
    }

    /// Columns `[start, start + width)` of `x` as a tensor of their own.
    func columns(of x: Tensor, start: Int, width: Int) throws -> Tensor {
        let part = try makeTensor(shape: [x.rows, width])
        try copyColumns(of: x, columnStart: start, width: width, into: part, destinationRow: 0)
        return part
    }
}
