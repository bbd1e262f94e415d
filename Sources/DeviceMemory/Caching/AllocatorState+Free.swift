extension AllocatorState {
    /// Returns a block to the cache, merging it with free neighbours so that no two adjacent
    /// free blocks ever exist (which is what lets whole segments become releasable).
    mutating func free(address: UInt) throws(DeviceMemoryError) {
        guard let index = liveBlocks.remove(address) else {
            throw DeviceMemoryError(.unknownAddress,
                "address 0x\(String(address, radix: 16)) on \(backend.device) was not allocated here or was already freed")
        }
        let block = blocks[index]
        stats.allocation.decrease(1, block.pool)
        stats.active.decrease(1, block.pool)
        stats.allocatedBytes.decrease(block.size, block.pool)
        stats.activeBytes.decrease(block.size, block.pool)
        stats.requestedBytes.decrease(block.requestedSize, block.pool)
        if block.size >= maxSplitSize { stats.oversizeAllocations.decrease(1) }
        history.record(.free, address: address, size: block.size)
        blocks[index].isAllocated = false
        blocks[index].requestedSize = 0

        var merged = index
        let next = block.next
        if next != Block.none && !blocks[next].isAllocated {
            uncache(next)
            absorb(next, into: index)
        }
        let previous = block.previous
        if previous != Block.none && !blocks[previous].isAllocated {
            uncache(previous)
            absorb(index, into: previous)
            merged = previous
        }
        cache(merged)
    }

    /// Joins `upper` onto the end of its lower neighbour `lower` and forgets `upper`.
    private mutating func absorb(_ upper: Int32, into lower: Int32) {
        let upperBlock = blocks[upper]
        blocks[lower].size += upperBlock.size
        blocks[lower].next = upperBlock.next
        if upperBlock.next != Block.none { blocks[upperBlock.next].previous = lower }
        blocks.remove(upper)
    }
}
