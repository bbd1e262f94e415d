extension AllocatorState {
    /// Serves one request, following PyTorch's fallback chain:
    /// 1. best-fit cached block;
    /// 2. (if configured) garbage-collect old cached blocks, then a new segment from the device;
    /// 3. release cached oversize blocks that could make room, and try the device again;
    /// 4. release the whole cache and retry once (counted in `num_alloc_retries`);
    /// 5. fail with a message that says where the memory is.
    mutating func allocate(byteCount requested: Int) throws(DeviceMemoryError) -> DeviceAllocation {
        let size = SizeClass.blockSize(forRequest: requested)
        let pool = SizeClass.pool(forBlockSize: size)
        var found = takeCachedBlock(size: size, pool: pool)
        if found == nil {
            if configuration.garbageCollectionThreshold != nil { collectGarbage() }
            let segmentSize = SizeClass.segmentSize(forBlockSize: size)
            found = try allocateSegment(size: segmentSize, pool: pool, isRetry: false)
            if found == nil, releaseAvailableCachedBlocks(size: size, pool: pool) {
                found = try allocateSegment(size: segmentSize, pool: pool, isRetry: false)
            }
            if found == nil {
                releaseCachedBlocks()
                found = try allocateSegment(size: segmentSize, pool: pool, isRetry: true)
            }
        }
        guard let index = found else {
            stats.numOOMs += 1
            history.record(.oom, address: 0, size: requested)
            throw outOfMemoryError(requested: requested)
        }
        return handOut(index, size: size, requested: requested)
    }

    /// Finds and un-caches the smallest cached block that fits (see `BlockPool.takeBestFit`).
    mutating func takeCachedBlock(size: Int, pool: PoolKind) -> Int32? {
        let maxSplit = maxSplitSize
        guard let entry = pools.update(pool, { $0.takeBestFit(size: size, maxSplitSize: maxSplit) }) else { return nil }
        noteUncached(blocks[entry.block])
        return entry.block
    }

    /// Splits the block if the rest is worth keeping, marks it allocated and counts it.
    private mutating func handOut(_ index: Int32, size: Int, requested: Int) -> DeviceAllocation {
        let block = blocks[index]
        if shouldSplit(block, size: size) {
            let rest = blocks.add(Block(
                address: block.address + UInt(size), size: block.size - size, requestedSize: 0,
                segment: block.segment, previous: index, next: block.next, isAllocated: false,
                pool: block.pool, cachedAtSearch: 0))
            if block.next != Block.none { blocks[block.next].previous = rest }
            blocks[index].next = rest
            blocks[index].size = size
            cache(rest)
        }
        blocks[index].isAllocated = true
        blocks[index].requestedSize = requested
        let blockSize = blocks[index].size
        liveBlocks.insert(index, for: block.address)
        stats.allocation.increase(1, block.pool)
        stats.active.increase(1, block.pool)
        stats.allocatedBytes.increase(blockSize, block.pool)
        stats.activeBytes.increase(blockSize, block.pool)
        stats.requestedBytes.increase(requested, block.pool)
        if blockSize >= maxSplitSize { stats.oversizeAllocations.increase(1) }
        history.record(.alloc, address: block.address, size: blockSize)
        updateWatches()
        return DeviceAllocation(address: block.address, byteCount: requested, blockSize: blockSize)
    }

    /// Small blocks split whenever a minimum block remains; large ones only when more than the
    /// small-request limit remains and the request is below `max_split_size`.
    private func shouldSplit(_ block: Block, size: Int) -> Bool {
        let remaining = block.size - size
        if block.pool == .small { return remaining >= SizeClass.minimumBlockSize }
        return size < maxSplitSize && remaining > SizeClass.smallRequestLimit
    }
}
