/// The size classes of PyTorch's CUDA caching allocator, kept identical so that users'
/// intuitions (and their `max_split_size_mb` settings) carry over unchanged.
///
/// Note [Why these numbers]: small requests share 2 MiB segments so that thousands of tiny
/// tensors cost a handful of device calls; medium requests get 20 MiB segments that can be
/// split among several of them; large requests get a segment of their own, rounded to 2 MiB so
/// that a freed segment is likely to fit the next request of similar size.
public enum SizeClass {
    /// Every block size is a multiple of this.
    public static let minimumBlockSize = 512
    /// Requests up to this size are served from the small pool.
    public static let smallRequestLimit = 1 << 20
    /// Segment size for the small pool.
    public static let smallSegmentSize = 2 << 20
    /// Segment size for large-pool requests under `minimumLargeAllocation`.
    public static let largeSegmentSize = 20 << 20
    /// Requests from this size up get a segment of their own.
    public static let minimumLargeAllocation = 10 << 20
    /// Dedicated large segments are rounded up to a multiple of this.
    public static let largeRounding = 2 << 20

    /// The block size a request of `byteCount` bytes occupies.
    @inline(__always)
    public static func blockSize(forRequest byteCount: Int) -> Int {
        if byteCount < minimumBlockSize { return minimumBlockSize }
        return (byteCount + minimumBlockSize - 1) & ~(minimumBlockSize - 1)
    }

    /// Which pool serves a block of this (already rounded) size.
    @inline(__always)
    public static func pool(forBlockSize size: Int) -> PoolKind {
        size <= smallRequestLimit ? .small : .large
    }

    /// The size of the segment to request from the device when no cached block fits.
    @inline(__always)
    public static func segmentSize(forBlockSize size: Int) -> Int {
        if size <= smallRequestLimit { return smallSegmentSize }
        if size < minimumLargeAllocation { return largeSegmentSize }
        return (size + largeRounding - 1) / largeRounding * largeRounding
    }
}

/// The two pools of the allocator. Blocks never move between pools.
public enum PoolKind: String, Sendable, Codable, CaseIterable {
    case small
    case large
}
