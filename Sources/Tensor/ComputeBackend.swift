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
}
