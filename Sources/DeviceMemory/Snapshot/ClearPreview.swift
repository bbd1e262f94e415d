/// What `emptyCache()` would give back now, read from a snapshot, before anyone clicks.
///
/// A clear releases whole free segments only: freed blocks merge with their free neighbours, so
/// a segment holding no allocation is one free block and goes back to the device. Free space in
/// a segment that still holds an allocation cannot be released; it stays as fragmentation.
public struct ClearPreview: Sendable, Codable, Equatable {
    public var device: DeviceID
    /// Bytes a clear would release now.
    public var releasableBytes: Int
    /// Segments it would release.
    public var releasableSegments: Int
    /// Free bytes that would stay reserved, inside segments that still hold allocations.
    public var fragmentedBytes: Int

    public init(snapshot: MemorySnapshot) {
        device = snapshot.device
        let free = snapshot.segments.filter { $0.allocatedSize == 0 }
        releasableBytes = free.reduce(0) { $0 + $1.totalSize }
        releasableSegments = free.count
        fragmentedBytes = snapshot.segments.filter { $0.allocatedSize > 0 }.reduce(0) { $0 + $1.totalSize - $1.allocatedSize }
    }

    enum CodingKeys: String, CodingKey {
        case device
        case releasableBytes = "releasable_bytes"
        case releasableSegments = "releasable_segments"
        case fragmentedBytes = "fragmented_bytes"
    }
}
