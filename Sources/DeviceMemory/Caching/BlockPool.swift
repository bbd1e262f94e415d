/// The cached (free) blocks of one pool, ordered by (size, address) for best fit.
///
/// Note [Sorted array]: PyTorch keeps a red-black tree. A sorted array of 24-byte entries does
/// the same job with one binary search per lookup; inserting or removing moves the tail with a
/// single memmove, which for the few hundred cached blocks of a real workload is cheaper than
/// chasing tree nodes. Bulk removal (`emptyCache`) filters the array in one pass.
struct BlockPool {
    struct Entry {
        var size: Int
        var address: UInt
        var block: Int32
    }

    private(set) var entries: ContiguousArray<Entry> = []
    /// How many times a free block has been looked for here; ages cached blocks for GC.
    var searches = 0

    var isEmpty: Bool { entries.isEmpty }

    /// The position of the first entry not ordered before (size, address).
    func lowerBound(size: Int, address: UInt) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) >> 1
            let entry = entries[middle]
            if entry.size < size || (entry.size == size && entry.address < address) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    mutating func insert(_ entry: Entry) {
        let position = lowerBound(size: entry.size, address: entry.address)
        // Append, then shift the tail up by one: a plain memmove, where the generic
        // `insert(_:at:)` goes through `replaceSubrange` and costs several times more.
        entries.append(entry)
        let tail = entries.count - 1 - position
        guard tail > 0 else { return }
        entries.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            (base + position + 1).update(from: base + position, count: tail)
            base[position] = entry
        }
    }

    mutating func remove(size: Int, address: UInt) {
        let position = lowerBound(size: size, address: address)
        precondition(position < entries.count && entries[position].address == address,
                     "block pool lost a cached block")
        entries.remove(at: position)
    }

    /// Removes and returns the smallest block of at least `size` bytes, honouring
    /// `max_split_size`: a request below it never takes an oversize block, and an oversize
    /// request only takes one that wastes less than a large segment.
    mutating func takeBestFit(size: Int, maxSplitSize: Int) -> Entry? {
        searches += 1
        let position = lowerBound(size: size, address: 0)
        guard position < entries.count else { return nil }
        let entry = entries[position]
        if size < maxSplitSize && entry.size >= maxSplitSize { return nil }
        if size >= maxSplitSize && entry.size >= size + SizeClass.largeSegmentSize { return nil }
        entries.remove(at: position)
        return entry
    }

    /// Removes every entry that `shouldRemove` selects, in one pass, and returns them.
    mutating func removeAll(where shouldRemove: (Entry) -> Bool) -> [Entry] {
        var removed: [Entry] = []
        entries.removeAll { entry in
            if shouldRemove(entry) {
                removed.append(entry)
                return true
            }
            return false
        }
        return removed
    }
}

/// The small and the large pool, addressed by kind.
struct Pools {
    var small = BlockPool()
    var large = BlockPool()

    @inline(__always)
    subscript(kind: PoolKind) -> BlockPool {
        get { kind == .small ? small : large }
        _modify { if kind == .small { yield &small } else { yield &large } }
    }

    /// Mutates one pool in place. A closure the compiler inlines, where a `_modify`
    /// accessor stays a coroutine call on the allocate/free path.
    @inline(__always)
    mutating func update<Result>(_ kind: PoolKind, _ body: (inout BlockPool) -> Result) -> Result {
        kind == .small ? body(&small) : body(&large)
    }
}
