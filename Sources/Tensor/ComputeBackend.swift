import DeviceMemory

/// The operations a transformer needs, implemented once per device kind. Every result is a new
/// tensor from the backend's caching allocator unless the name says "in place".
///
/// Shapes are row-major: a `[rows, columns]` tensor is `rows` vectors of `columns` floats.
/// Linear weights follow CTranslate2's layout, `[out, in]`.
public protocol ComputeBackend: Sendable {
    var device: DeviceID { get }
    var allocator: CachingAllocator { get }

    /// An uninitialised tensor.
    func makeTensor(shape: [Int]) throws -> Tensor
    /// A tensor holding `values` (copied from host memory).
    func upload(_ values: UnsafeBufferPointer<Float>, shape: [Int]) throws -> Tensor
    /// The tensor's values in host memory.
    func download(_ tensor: Tensor) throws -> [Float]

    /// `x · weightᵀ + bias`: x `[rows, in]`, weight `[out, in]`, bias `[out]` → `[rows, out]`.
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor

    /// The compute types whose weights this backend multiplies (float32 at least).
    var computeTypes: [ComputeType] { get }
    /// Bytes the backend keeps allocated for itself while it lives (cuBLAS's workspace), apart
    /// from weights and work; 0 by default.
    var workspaceBytes: Int { get }
    /// A `[rows, columns]` weight matrix in `type`'s storage — in `arena` when given and not
    /// full, else in a buffer of its own — written by `fill` through host-visible memory: the
    /// device memory itself where the device is the host, so that a model loads without a second
    /// copy of its weights.
    func makeWeights(_ type: ComputeType, rows: Int, columns: Int, in arena: WeightArena?,
                     fill: (WeightDestination) throws -> Void) throws -> WeightMatrix
    /// Copies host bytes into device memory.
    func write(_ bytes: UnsafeRawBufferPointer, to region: DeviceRegion) throws
    /// `x · weightsᵀ + bias`, as `linear(_:weight:bias:)`, for weights of any of `computeTypes`.
    func linear(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor
    /// Rows `rows` of an embedding table held as weights, widened to float32.
    func gatherRows(_ table: WeightMatrix, rows: [Int]) throws -> Tensor
    /// `x += y`, same shapes, or `y` one row broadcast over x's rows.
    func addInPlace(_ x: Tensor, _ y: Tensor) throws
    /// Normalises each row to zero mean and unit variance, then scales and shifts.
    func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float) throws -> Tensor
    /// Exact (erf) GELU, in place.
    func geluInPlace(_ x: Tensor) throws
    /// 1-D convolution: x `[inChannels, length]`, weight `[outChannels, inChannels, kernel]`,
    /// bias `[outChannels]`, zero padding on both sides → `[outChannels, outLength]`.
    func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) throws -> Tensor
    /// `[rows, columns]` → `[columns, rows]`.
    func transpose(_ x: Tensor) throws -> Tensor
    /// Rows `rows` of `table` `[n, width]` → `[rows.count, width]`.
    func gatherRows(_ table: Tensor, rows: [Int]) throws -> Tensor
    /// Copies columns `[columnStart, columnStart + width)` of every row of `source`
    /// `[rows, any]` into rows `[destinationRow, destinationRow + rows)` of `destination`
    /// `[n, width]` — used to split fused projections and append to key/value caches.
    func copyColumns(of source: Tensor, columnStart: Int, width: Int, into destination: Tensor, destinationRow: Int) throws
    /// Multi-head scaled dot-product attention of `query` `[queries, width]` over the first
    /// `keyCount` rows of `keys` and `values` `[capacity, width]`, with `heads` heads. When
    /// `causal`, query `i` sits at position `keyCount - queries + i` and sees keys up to it.
    func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor
    /// Non-causal attention of every row over every row of a fused `[rows, 3 · width]`
    /// query|key|value projection (the encoder's self-attention), as `attention` over its three
    /// column blocks, without first copying them apart.
    func selfAttention(fused qkv: Tensor, heads: Int) throws -> Tensor
    /// `x · weightsᵀ + bias` through a fused key|value projection, for keys and values that
    /// every decoding step of a window reads (its cross-attention), held the way the backend
    /// reads them fastest for `computeType`: float32 for float32, float16 for the compact types
    /// where the backend can (see Note [Cross-attention in float16]). `heads` is the attention
    /// that will read them, which a backend may lay them out for.
    func projectKeyValues(_ x: Tensor, weights: WeightMatrix, bias: Tensor?, heads: Int, for computeType: ComputeType) throws -> WeightMatrix
    /// Non-causal attention of `query` over every row of a fused `[rows, 2 · width]` key|value
    /// matrix from `projectKeyValues` (the decoder's cross-attention over a window), as
    /// `attention` over its two column blocks.
    func crossAttention(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int) throws -> Tensor
    /// The scaled scores `q · kᵀ / √headWidth` of one head of that cross-attention, before the
    /// softmax: `[query.rows, keyValues.rows]` row-major, on the host, where word alignment
    /// reads them (see Note [Words from the cross-attention] in Whisper).
    func crossAttentionScores(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int, head: Int) throws -> [Float]
    /// Waits until queued work on the device has finished.
    func synchronize() throws
}

extension ComputeBackend {
    /// Every backend's tensors are buffers from its device's caching allocator.
    public func makeTensor(shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, storage: try DeviceBuffer(allocator: allocator, byteCount: count * MemoryLayout<Float>.stride))
    }

    public func upload(_ values: [Float], shape: [Int]) throws -> Tensor {
        try values.withUnsafeBufferPointer { try upload($0, shape: shape) }
    }

    // A backend that computes in float32 only needs none of the weight methods: float32
    // weights are tensors, staged in host memory and uploaded.
    public var computeTypes: [ComputeType] { [.float32] }
    public var workspaceBytes: Int { 0 }

    public func makeWeights(_ type: ComputeType, rows: Int, columns: Int, in arena: WeightArena?,
                            fill: (WeightDestination) throws -> Void) throws -> WeightMatrix {
        precondition(type == .float32, "\(device) computes in \(computeTypes), not \(type)")
        var staging = [Float](repeating: 0, count: rows * columns)
        try staging.withUnsafeMutableBytes { bytes in
            try fill(WeightDestination(type: .float32, rows: rows, columns: columns, values: bytes.baseAddress!, scales: nil))
        }
        guard let region = arena?.take(rows * columns * MemoryLayout<Float>.stride) else {
            return WeightMatrix(try upload(staging, shape: [rows, columns]))
        }
        try staging.withUnsafeBytes { try write($0, to: region) }
        return WeightMatrix(type: .float32, rows: rows, columns: columns, values: region, scales: nil)
    }

    public func linear(_ x: Tensor, weights: WeightMatrix, bias: Tensor?) throws -> Tensor {
        try linear(x, weight: weights.tensor, bias: bias)
    }

    public func gatherRows(_ table: WeightMatrix, rows: [Int]) throws -> Tensor {
        try gatherRows(table.tensor, rows: rows)
    }

    public func selfAttention(fused qkv: Tensor, heads: Int) throws -> Tensor {
        let parts = try split(qkv, into: 3)
        return try attention(query: parts[0], keys: parts[1], values: parts[2], keyCount: qkv.rows, heads: heads, causal: false)
    }

    public func projectKeyValues(_ x: Tensor, weights: WeightMatrix, bias: Tensor?, heads: Int, for computeType: ComputeType) throws -> WeightMatrix {
        WeightMatrix(try linear(x, weights: weights, bias: bias))
    }

    public func crossAttention(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int) throws -> Tensor {
        let parts = try split(keyValues.tensor, into: 2)
        return try attention(query: query, keys: parts[0], values: parts[1], keyCount: keyValues.rows, heads: heads, causal: false)
    }

    /// Float32 keys: the head's query and key columns copied apart, one product, scaled on the
    /// host (a few hundred rows, once per window).
    public func crossAttentionScores(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int, head: Int) throws -> [Float] {
        let headWidth = query.columns / heads, frames = keyValues.rows
        let headQuery = try makeTensor(shape: [query.rows, headWidth]), headKeys = try makeTensor(shape: [frames, headWidth])
        try copyColumns(of: query, columnStart: head * headWidth, width: headWidth, into: headQuery, destinationRow: 0)
        try copyColumns(of: keyValues.tensor, columnStart: head * headWidth, width: headWidth, into: headKeys, destinationRow: 0)
        let scale = 1 / Float(headWidth).squareRoot()
        return try download(linear(headQuery, weight: headKeys, bias: nil)).map { $0 * scale }
    }

    /// `x`'s columns in `count` equal blocks, each its own tensor.
    private func split(_ x: Tensor, into count: Int) throws -> [Tensor] {
        let width = x.columns / count
        return try (0..<count).map { part in
            let tensor = try makeTensor(shape: [x.rows, width])
            try copyColumns(of: x, columnStart: part * width, width: width, into: tensor, destinationRow: 0)
            return tensor
        }
    }
}
