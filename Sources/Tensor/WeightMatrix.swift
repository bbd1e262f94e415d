import DeviceMemory

/// A weight matrix `[rows, columns]` (CTranslate2's `[out, in]`) held in one compute type's
/// storage on a device: float32, float16, or int8 with one float32 scale per row.
public struct WeightMatrix: @unchecked Sendable {
    // @unchecked: immutable after loading, like the tensors of a model.
    public let type: ComputeType
    public let rows: Int
    public let columns: Int
    /// `rows × columns` elements of `type`, row-major.
    public let values: DeviceRegion
    /// int8 only: `rows` float32 scales, `127 / max|row|`; a weight is `value / scale`.
    public let scales: DeviceRegion?

    public init(type: ComputeType, rows: Int, columns: Int, values: DeviceRegion, scales: DeviceRegion?) {
        precondition(values.byteCount >= rows * columns * type.elementSize, "\(rows)×\(columns) \(type) weights do not fit \(values.byteCount) bytes")
        precondition((type == .int8) == (scales != nil), "int8 weights, and only they, carry scales")
        self.type = type
        self.rows = rows
        self.columns = columns
        self.values = values
        self.scales = scales
    }

    /// float32 weights as a tensor, for the operations that take tensors.
    public init(_ tensor: Tensor) {
        self.init(type: .float32, rows: tensor.shape.count >= 2 ? tensor.shape[0] : 1, columns: tensor.columns,
                  values: DeviceRegion(tensor.storage, byteOffset: tensor.byteOffset, byteCount: tensor.count * 4), scales: nil)
    }

    /// The float32 matrix as a tensor; only for `.float32`.
    public var tensor: Tensor {
        precondition(type == .float32, "\(type) weights are not a float32 tensor")
        return Tensor(shape: [rows, columns], storage: values.buffer, byteOffset: values.byteOffset)
    }
}

/// Bytes within a device buffer: all of it, or a piece of a ``WeightArena``'s.
public struct DeviceRegion: @unchecked Sendable {
    public let buffer: DeviceBuffer
    public let byteOffset: Int
    public let byteCount: Int

    public init(_ buffer: DeviceBuffer, byteOffset: Int = 0, byteCount: Int? = nil) {
        precondition(byteOffset + (byteCount ?? 0) <= buffer.byteCount, "a region past the end of its buffer")
        self.buffer = buffer
        self.byteOffset = byteOffset
        self.byteCount = byteCount ?? buffer.byteCount - byteOffset
    }

    public var address: UInt { buffer.address + UInt(byteOffset) }
}

/// Host-visible memory for a weight matrix being loaded: the loader writes `rows × columns`
/// elements of `type` at `values` and, for int8, `rows` scales at `scales`.
public struct WeightDestination {
    public let type: ComputeType
    public let rows: Int
    public let columns: Int
    public let values: UnsafeMutableRawPointer
    public let scales: UnsafeMutablePointer<Float>?

    public init(type: ComputeType, rows: Int, columns: Int, values: UnsafeMutableRawPointer, scales: UnsafeMutablePointer<Float>?) {
        (self.type, self.rows, self.columns, self.values, self.scales) = (type, rows, columns, values, scales)
    }
}
