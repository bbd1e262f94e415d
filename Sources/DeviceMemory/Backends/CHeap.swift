#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim` and `mallopt`, which Swift's Glibc module does not export.
@_silgen_name("malloc_trim") private func malloc_trim(_ pad: Int) -> Int32
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// The C heap, which everything outside the caching allocator uses: decoded audio, features,
/// parsed JSON, the HTTP server's buffers.
///
/// Note [A C heap that does not creep]: a server that runs for weeks serves jobs of every
/// length on many threads. With glibc's defaults its resident memory creeps up with the mix of
/// jobs (+18 % over 200 mixed jobs, docs/reliability.md), for two reasons:
/// - the mmap threshold is dynamic: after a large block (a 5-minute recording's samples) is
///   freed, glibc raises the threshold to that block's size, and from then on blocks that
///   large come from an arena, which keeps its high-water mark instead of unmapping;
/// - each thread that allocates may get its own arena (up to 8 per core), and each arena keeps
///   the high-water mark of whatever jobs it happened to serve.
/// Fixing the threshold (which also turns off its dynamic raise) sends every large block to its
/// own mapping, returned to the system when freed, and two arenas bound the rest. Both are what
/// `MALLOC_MMAP_THRESHOLD_` and `MALLOC_ARENA_MAX` would set; doing it in the process means an
/// operator does not have to know.
public enum CHeap {
    /// Blocks at least this large get their own mapping.
    public static let mappingThresholdBytes: Int32 = 256 << 10
    /// The most arenas threads share.
    public static let arenaLimit: Int32 = 2

    /// Sets the heap up for a long-running, many-threaded process. Call it first thing, before
    /// threads start; `true` when glibc took both settings (elsewhere: nothing to do, `false`).
    @discardableResult
    public static func configureForLongRunningProcess() -> Bool {
        #if canImport(Glibc)
        let M_MMAP_THRESHOLD: Int32 = -3, M_ARENA_MAX: Int32 = -8   // <malloc.h>
        return mallopt(M_MMAP_THRESHOLD, mappingThresholdBytes) == 1 && mallopt(M_ARENA_MAX, arenaLimit) == 1
        #else
        return false
        #endif
    }

    /// Hands the heap's free pages back to the system (Note [The C heap after a clear]).
    public static func releaseFreePages() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
