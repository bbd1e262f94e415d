import Tensor

/// The transformer building blocks Whisper is made of, in terms of backend operations.
extension ComputeBackend {
    func linear(_ x: Tensor, _ layer: LinearWeights) throws -> Tensor {
        try linear(x, weight: layer.weight, bias: layer.bias)
    }

    func layerNorm(_ x: Tensor, _ norm: LayerNormWeights) throws -> Tensor {
        try layerNorm(x, gamma: norm.gamma, beta: norm.beta, epsilon: 1e-5)
    }

    /// Pre-norm feed-forward block, added onto `x`.
    func feedForward(_ x: Tensor, norm: LayerNormWeights, inner: LinearWeights, outer: LinearWeights) throws {
        let hidden = try linear(layerNorm(x, norm), inner)
        try geluInPlace(hidden)
        try addInPlace(x, linear(hidden, outer))
    }

    /// Columns `[start, start + width)` of `x` as a tensor of their own.
    func columns(of x: Tensor, start: Int, width: Int) throws -> Tensor {
        let part = try makeTensor(shape: [x.rows, width])
        try copyColumns(of: x, columnStart: start, width: width, into: part, destinationRow: 0)
        return part
    }
}
