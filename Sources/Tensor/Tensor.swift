import DeviceMemory

/// A dense, row-major array of 32-bit floats in device memory.
///
/// A tensor is a shape over a buffer; it does not know how to compute. Operations belong to a
/// ``ComputeBackend`` for the tensor's device, so nothing above this module knows which device
/// it runs on. Most tensors own their buffer; a model's weights share one (see ``WeightArena``)
/// and start at an offset within it.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: DeviceBuffer
    /// Where the tensor's first element lies within `storage`.
    public let byteOffset: Int

    public init(shape: [Int], storage: DeviceBuffer, byteOffset: Int = 0) {
        precondition(byteOffset + shape.reduce(1, *) * MemoryLayout<Float>.stride <= storage.byteCount,
                     "shape \(shape) at byte \(byteOffset) does not fit a buffer of \(storage.byteCount) bytes")
        self.shape = shape
        self.storage = storage
        self.byteOffset = byteOffset
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    public var rows: Int { shape.count >= 2 ? shape.dropLast().reduce(1, *) : 1 }
    public var columns: Int { shape.last ?? 1 }

    /// The device address of the first element.
    public var address: UInt { storage.address + UInt(byteOffset) }

    /// The same bytes seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage, byteOffset: byteOffset)
    }

    /// Host-visible pointer; valid only for host-resident tensors (the CPU backend).
    @inline(__always)
    public var hostPointer: UnsafeMutablePointer<Float> {
        UnsafeMutablePointer<Float>(bitPattern: address)!
    }
}
