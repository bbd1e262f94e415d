/// One step of a random allocate/free/emptyCache sequence.
public enum AllocatorOperation: Sendable, Hashable, CustomStringConvertible {
    case allocate(byteCount: Int)
    /// Frees the live allocation at this position (modulo the number live); nothing when none is.
    case free(slot: Int)
    case emptyCache

    /// Decodes a non-negative integer into an operation, so that integer generators (which
    /// shrink well) drive the sequences: six in ten allocate, three free, one empties the cache.
    /// Sizes cover the small pool, the 20 MiB large segments and dedicated large segments.
    public init(code: Int) {
        let selector = code % 10
        let payload = code / 10
        switch selector {
        case 0...2: self = .allocate(byteCount: payload % (1 << 20) + 1)            // small pool
        case 3...4: self = .allocate(byteCount: (1 << 20) + payload % (9 << 20))    // 1–10 MiB
        case 5: self = .allocate(byteCount: (10 << 20) + payload % (30 << 20))       // ≥ 10 MiB
        case 6...8: self = .free(slot: payload)
        default: self = .emptyCache
        }
    }

    public var description: String {
        switch self {
        case .allocate(let byteCount): "allocate(\(byteCount))"
        case .free(let slot): "free(#\(slot))"
        case .emptyCache: "emptyCache"
        }
    }
}
