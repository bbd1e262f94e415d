/// Everything a ``CachingAllocator`` knows, mutated only under its lock.
///
/// Note [One lock, no callbacks]: every operation runs start to finish while holding the
/// allocator's mutex, including the calls into the backend. PyTorch's allocator drops its
/// lock mid-operation in places and then has to re-validate; Auris never does, so every
/// operation sees and leaves a consistent state.
struct AllocatorState {
    let backend: any MemoryBackend
    var configuration: AllocatorConfiguration
    /// The device's total bytes, read once: it does not change while the process runs.
    let deviceTotalBytes: Int
    var blocks = BlockTable()
    var segments = SegmentTable()
    var pools = Pools()
    /// Allocated blocks by address, to find the block a caller frees.
    var liveBlocks = AddressMap()
    var stats = MemoryStats()
    var history: EventHistory
    /// Open watches and their peaks (Note [Watching a job, not the device]).
    var watches: [Int: WatchedMemory] = [:]
    var nextWatchID = 0
    /// The test hook's draws, when it is on (Note [Failing on purpose]).
    var faultDraws: FaultDraws?

    init(backend: any MemoryBackend, configuration: AllocatorConfiguration, faults: OutOfMemoryFaults? = nil) {
        self.backend = backend
        self.configuration = configuration
        self.faultDraws = faults.map(FaultDraws.init)
        self.deviceTotalBytes = backend.memoryInfo().totalBytes
        self.history = EventHistory(capacity: configuration.historyCapacity)
    }

    /// The most this allocator may reserve: the memory fraction of the device.
    var allowedMaximumBytes: Int {
        configuration.memoryFraction >= 1 ? Int.max : Int(Double(deviceTotalBytes) * configuration.memoryFraction)
    }

    var maxSplitSize: Int { configuration.maxSplitSize ?? Int.max }

    // MARK: Pool membership

    /// Caches a free block. A split block in the pool is fragmentation, counted as inactive split.
    mutating func cache(_ index: Int32) {
        let block = blocks[index]
        blocks[index].cachedAtSearch = block.pool == .small ? pools.small.searches : pools.large.searches
        pools.update(block.pool) { $0.insert(.init(size: block.size, address: block.address, block: index)) }
        if block.isSplit {
            stats.inactiveSplit.increase(1, block.pool)
            stats.inactiveSplitBytes.increase(block.size, block.pool)
        }
    }

    /// Takes a cached block out of its pool (to hand it out, merge it or release it).
    mutating func uncache(_ index: Int32) {
        let block = blocks[index]
        pools.update(block.pool) { $0.remove(size: block.size, address: block.address) }
        noteUncached(block)
    }

    /// The statistics side of `uncache`, for callers that removed pool entries in bulk.
    mutating func noteUncached(_ block: Block) {
        if block.isSplit {
            stats.inactiveSplit.decrease(1, block.pool)
            stats.inactiveSplitBytes.decrease(block.size, block.pool)
        }
    }

    // MARK: Segments

    /// Asks the device for a new segment holding one unsplit block, or nil when the device (or
    /// the memory fraction) has no room.
    mutating func allocateSegment(size: Int, pool: PoolKind, isRetry: Bool) throws(DeviceMemoryError) -> Int32? {
        if isRetry { stats.numAllocRetries += 1 }
        if stats.reservedBytes.all.current + size > allowedMaximumBytes { return nil }
        if faultDraws?.next() == true { return nil }
        guard let address = try backend.allocate(byteCount: size) else { return nil }
        let segmentIndex = segments.add(Segment(address: address, size: size, pool: pool, firstBlock: Block.none))
        let blockIndex = blocks.add(Block(
            address: address, size: size, requestedSize: 0, segment: segmentIndex,
            previous: Block.none, next: Block.none, isAllocated: false, pool: pool, cachedAtSearch: 0))
        segments.setFirstBlock(blockIndex, of: segmentIndex)
        stats.segment.increase(1, pool)
        stats.reservedBytes.increase(size, pool)
        stats.numDeviceAlloc += 1
        if size >= maxSplitSize { stats.oversizeSegments.increase(1) }
        history.record(.segmentAlloc, address: address, size: size)
        return blockIndex
    }

    /// Returns the segment of an unsplit free block to the device. The block must already be
    /// out of its pool. Returns the bytes released.
    ///
    /// - Parameter returningToDevice: false when the caller frees the region itself, together
    ///   with others (`releaseCachedBlocks`).
    @discardableResult
    mutating func releaseSegment(ofBlock index: Int32, returningToDevice: Bool = true) -> Int {
        let block = blocks[index]
        precondition(!block.isAllocated && !block.isSplit, "only a whole free segment can be released")
        if returningToDevice { backend.free(address: block.address, byteCount: block.size) }
        segments.remove(block.segment)
        blocks.remove(index)
        stats.segment.decrease(1, block.pool)
        stats.reservedBytes.decrease(block.size, block.pool)
        stats.numDeviceFree += 1
        if block.size >= maxSplitSize { stats.oversizeSegments.decrease(1) }
        history.record(.segmentFree, address: block.address, size: block.size)
        return block.size
    }
}
