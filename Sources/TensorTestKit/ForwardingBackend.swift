import DeviceMemory
import Tensor

/// A backend that hands every operation to `base`; a conformer replaces only what it changes.
///
/// For tests: a backend that is subtly wrong in one operation (to prove a check notices), or
/// one that calls itself another device (to stand for a GPU on a machine without one).
public protocol ForwardingBackend: ComputeBackend {
    var base: any ComputeBackend { get }
}

extension ForwardingBackend {
    public var device: DeviceID { base.device }
    public var allocator: CachingAllocator { base.allocator }
    public func upload(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor { try base.upload(values, shape: shape) }
    public func download(_ tensor: Tensor) throws -> [Float] { try base.download(tensor) }
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor { try base.linear(x, weight: weight, bias: bias) }
    public var computeTypes: [ComputeType] { base.computeTypes }
    public var workspaceBytes: Int { base.workspaceBytes }
    public func makeWeights(_ type: ComputeType, rows: Int, columns: Int, in arena: WeightArena?,
                            fill: (WeightDestination) throws -> Void) throws -> WeightMatrix {
        try base.makeWeights(type, rows: rows, columns: columns, in: arena, fill: fill)
    }
    public func write(_ bytes: UnsafeRawBufferPointer, to region: DeviceRegion) throws { try base.write(bytes, to: region) }
    public func linear(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor { try base.linear(x, weights: weights, bias: bias) }
    public func gatherRows(_ table: WeightMatrix, rows: [Int]) throws -> Tensor { try base.gatherRows(table, rows: rows) }
    public func addInPlace(_ x: Tensor, _ y: Tensor) throws { try base.addInPlace(x, y) }
    public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) throws -> Tensor {
        try base.layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon)
    }
    public func geluInPlace(_ x: Tensor) throws { try base.geluInPlace(x) }
    public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor {
        try base.conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
    public func transpose(_ x: Tensor) throws -> Tensor { try base.transpose(x) }
    public func gatherRows(_ table: Tensor, rows: [Int]) throws -> Tensor { try base.gatherRows(table, rows: rows) }
    public func copyColumns(of source: Tensor, columnStart: Int, width: Int, into destination: Tensor, destinationRow: Int) throws {
        try base.copyColumns(of: source, columnStart: columnStart, width: width, into: destination, destinationRow: destinationRow)
    }
    public func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor {
        try base.attention(query: query, keys: keys, values: values, keyCount: keyCount, heads: heads, causal: causal)
    }
    public func selfAttention(fused qkv: Tensor, heads: Int) throws -> Tensor { try base.selfAttention(fused: qkv, heads: heads) }
    public func projectKeyValues(_ x: Tensor, weights: WeightMatrix, bias: Tensor?, heads: Int, for computeType: ComputeType) throws -> WeightMatrix {
        try base.projectKeyValues(x, weights: weights, bias: bias, heads: heads, for: computeType)
    }
    public func crossAttention(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int) throws -> Tensor {
        try base.crossAttention(query: query, fusedKeyValues: keyValues, heads: heads)
    }
    public func synchronize() throws { try base.synchronize() }
}
