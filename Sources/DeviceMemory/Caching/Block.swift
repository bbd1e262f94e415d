/// A contiguous range inside a segment: either handed out (allocated) or cached (free).
///
/// Note [Indices, not objects]: blocks live in one array and point at their neighbours by
/// index. A cached allocate/free pair then costs no reference counting and no heap traffic,
/// which is what keeps it near a hundred nanoseconds.
struct Block {
    static let none: Int32 = -1

    var address: UInt
    var size: Int
    /// The bytes the caller asked for (≤ size); 0 while the block is free.
    var requestedSize: Int
    var segment: Int32
    var previous: Int32
    var next: Int32
    var isAllocated: Bool
    var pool: PoolKind
    /// The pool's search count when this block was cached; its age for garbage collection is
    /// the difference, which avoids touching every cached block on every allocation.
    var cachedAtSearch: Int

    /// A block is split when its segment holds other blocks too; only unsplit free blocks can
    /// be returned to the device.
    var isSplit: Bool { previous != Block.none || next != Block.none }
}

/// Storage for blocks with slot reuse, so indices stay valid while a block lives.
struct BlockTable {
    private var storage: ContiguousArray<Block> = []
    private var vacant: [Int32] = []

    mutating func add(_ block: Block) -> Int32 {
        if let slot = vacant.popLast() {
            storage[Int(slot)] = block
            return slot
        }
        storage.append(block)
        return Int32(storage.count - 1)
    }

    mutating func remove(_ index: Int32) {
        vacant.append(index)
    }

    @inline(__always)
    subscript(index: Int32) -> Block {
        _read { yield storage[Int(index)] }
        _modify { yield &storage[Int(index)] }
    }
}

/// One region obtained from the device in a single call. Its first block never changes: blocks
/// only split off towards higher addresses and merge into the lower neighbour.
struct Segment {
    var address: UInt
    var size: Int
    var pool: PoolKind
    var firstBlock: Int32
}

/// Storage for live segments with slot reuse.
struct SegmentTable {
    private(set) var storage: ContiguousArray<Segment?> = []
    private var vacant: [Int32] = []

    mutating func add(_ segment: Segment) -> Int32 {
        if let slot = vacant.popLast() {
            storage[Int(slot)] = segment
            return slot
        }
        storage.append(segment)
        return Int32(storage.count - 1)
    }

    mutating func remove(_ index: Int32) {
        storage[Int(index)] = nil
        vacant.append(index)
    }

    mutating func setFirstBlock(_ block: Int32, of index: Int32) {
        storage[Int(index)]!.firstBlock = block
    }
}
