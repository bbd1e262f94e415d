import DeviceMemory

/// A dense, row-major array of 32-bit floats in device memory.
///
/// A tensor is a shape over a buffer; it does not know how to compute. Operations belong to a
/// ``ComputeBackend`` for the tensor's device, so nothing above this module knows which device
/// it runs on.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: DeviceBuffer

    public init(shape: [Int], storage: DeviceBuffer) {
        precondition(shape.reduce(1, *) * MemoryLayout<Float>.stride <= storage.byteCount,
                     "shape \(shape) does not fit a buffer of \(storage.byteCount) bytes")
        self.shape = shape
        self.storage = storage
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    public var rows: Int { shape.count >= 2 ? shape.dropLast().reduce(1, *) : 1 }
    public var columns: Int { shape.last ?? 1 }

    /// The same bytes seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// Host-visible pointer; valid only for host-resident tensors (the CPU backend).
    @inline(__always)
    public var hostPointer: UnsafeMutablePointer<Float> {
        UnsafeMutablePointer<Float>(bitPattern: storage.address)!
    }
}
