extension AllocatorState {
    /// Returns every cached segment that holds no live block to the device, in one pass over
    /// each pool. Live blocks, and the segments they sit in, are not touched.
    ///
    /// - Returns: bytes and segments released, and the nanoseconds spent inside the backend.
    @discardableResult
    mutating func releaseCachedBlocks() -> (bytes: Int, segments: Int, backendNanoseconds: Int) {
        var bytes = 0
        var regions: [(address: UInt, byteCount: Int)] = []
        for kind in PoolKind.allCases {
            let whole: [BlockPool.Entry]
            do {  // scoped, so the table is not copied when releaseSegment mutates it below
                let blocks = self.blocks
                whole = pools[kind].removeAll { !blocks[$0.block].isSplit }
            }
            for entry in whole {
                let block = blocks[entry.block]
                regions.append((block.address, block.size))
                bytes += releaseSegment(ofBlock: entry.block, returningToDevice: false)
            }
        }
        // One call for all of them: the host backend unmaps neighbouring segments together.
        let start = Clocks.monotonicNanoseconds()
        if !regions.isEmpty { backend.free(regions: regions) }
        return (bytes, regions.count, Clocks.monotonicNanoseconds() - start)
    }

    /// With `max_split_size` set, oversize cached blocks cannot serve smaller requests, so they
    /// are released first: the smallest one that covers `size`, or else the largest ones until
    /// together they do. Returns whether enough was released to be worth a retry.
    mutating func releaseAvailableCachedBlocks(size: Int, pool: PoolKind) -> Bool {
        guard configuration.maxSplitSize != nil else { return false }
        let maxSplit = maxSplitSize
        let target = max(size, maxSplit)
        let entries = pools[pool].entries
        let position = pools[pool].lowerBound(size: target, address: 0)
        if let fitting = entries[position...].first(where: { !blocks[$0.block].isSplit }) {
            uncache(fitting.block)
            releaseSegment(ofBlock: fitting.block)
            return true
        }
        var released = 0
        for entry in entries[..<position].reversed() where entry.size >= maxSplit && released < target {
            guard !blocks[entry.block].isSplit else { continue }
            uncache(entry.block)
            released += releaseSegment(ofBlock: entry.block)
        }
        return released >= target
    }

    /// Note [Garbage collection]: with `garbage_collection_threshold` set, once reserved memory
    /// passes that share of the allowed maximum, cached large segments that have sat unused the
    /// longest are released first — those at or above the average age, repeatedly — until
    /// reserved is back under the threshold. This keeps a long-running service from drifting
    /// to the device limit, without throwing away the blocks it is actively reusing.
    mutating func collectGarbage() {
        guard let threshold = configuration.garbageCollectionThreshold else { return }
        let limit = min(allowedMaximumBytes, deviceTotalBytes)
        let thresholdBytes = Int(threshold * Double(limit))
        let reserved = stats.reservedBytes.all.current
        guard reserved > thresholdBytes else { return }
        let target = reserved - thresholdBytes
        let now = pools[.large].searches
        var candidates = pools[.large].entries
            .filter { !blocks[$0.block].isSplit }
            .map { (block: $0.block, age: now - blocks[$0.block].cachedAtSearch) }
        var totalAge = candidates.reduce(0) { $0 + $1.age }
        var reclaimed = 0
        var freedSome = true
        while reclaimed < target && freedSome && !candidates.isEmpty {
            let ageThreshold = totalAge / candidates.count
            freedSome = false
            var kept: [(block: Int32, age: Int)] = []
            for candidate in candidates {
                if candidate.age >= ageThreshold && reclaimed < target {
                    uncache(candidate.block)
                    reclaimed += releaseSegment(ofBlock: candidate.block)
                    totalAge -= candidate.age
                    freedSome = true
                } else {
                    kept.append(candidate)
                }
            }
            candidates = kept
        }
        if reclaimed > 0 { stats.numGarbageCollections += 1 }
    }
}
