import DeviceMemory

/// One device buffer that holds all of a model's weights, handed out in aligned pieces.
///
/// Note [One allocation per model]: loaded one by one, a model's weights would take hundreds of
/// blocks in the allocator's shared segments (1–10 MB requests share 20 MB segments), and the
/// free tail of a segment that also holds a weight can never be given back: activations use
/// it during a job, and "clear cache" cannot release a segment with a live block. With all the
/// weights in one allocation of their own, a job's memory never shares a segment with them, a
/// clear gives back everything the job used, and unloading frees the model in one step.
public final class WeightArena: @unchecked Sendable {
    // @unchecked: filled by one loader, then only read.
    public let buffer: DeviceBuffer
    private var used = 0
    /// Pieces start on cache-line boundaries, so vector loads of a row never straddle two.
    public static let alignment = 64

    public init(allocator: CachingAllocator, byteCount: Int) throws(DeviceMemoryError) {
        // A large request gets a segment rounded up to 2 MiB; asking for the whole segment keeps
        // the rounding inside the arena instead of leaving a free sliver beside the weights that
        // no clear could release.
        let rounded = byteCount >= SizeClass.minimumLargeAllocation
            ? (byteCount + SizeClass.largeRounding - 1) / SizeClass.largeRounding * SizeClass.largeRounding : byteCount
        buffer = try DeviceBuffer(allocator: allocator, byteCount: max(rounded, 1))
    }

    /// The bytes a list of pieces takes, alignment included.
    public static func byteCount(of pieces: [Int]) -> Int {
        pieces.reduce(0) { $0 + aligned($1) }
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

    /// The next `byteCount` bytes, or nil when the arena is full.
    public func take(_ byteCount: Int) -> DeviceRegion? {
        guard used + byteCount <= buffer.byteCount else { return nil }
        defer { used += Self.aligned(byteCount) }
        return DeviceRegion(buffer, byteOffset: used, byteCount: byteCount)
    }

    /// Bytes handed out so far.
    public var usedBytes: Int { used }
}
