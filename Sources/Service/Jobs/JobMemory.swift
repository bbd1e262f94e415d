import DeviceMemory
import Foundation

/// The memory one job used on its device, charged to the job (Note [Watching a job, not the
/// device] in DeviceMemory): stored with the job, shown in the history, and counted per model
/// in `/metrics`.
///
/// Every figure is above what the device held when the job started, so the model's resident
/// weights are not counted again: `peak_allocated_bytes` is the job's activations, KV caches
/// and scratch at their largest.
public struct JobMemory: Sendable, Codable, Equatable {
    /// The most the job held allocated at once, above the allocated bytes at its start.
    public var peakAllocatedBytes: Int
    /// How far the device's reserved bytes rose above their level at the job's start.
    public var peakReservedBytes: Int
    /// Reserved bytes the job left in the cache when it ended: its share of the cache's growth.
    public var cacheGrowthBytes: Int
    /// Time the job spent waiting for memory: freeing it after an out-of-memory error, before
    /// running again.
    public var waitMilliseconds: Double
    /// Out-of-memory errors the job met (Note [Out of memory that is not real]): 1 when it
    /// finished on its second run, 2 when that failed too.
    public var outOfMemoryErrors: Int
    /// The peak allocated predicted before the job started (Note [Admission by prediction]),
    /// to compare with `peakAllocatedBytes`; nil when the model has no profile yet.
    public var predictedPeakBytes: Int?

    public init(peakAllocatedBytes: Int = 0, peakReservedBytes: Int = 0, cacheGrowthBytes: Int = 0,
                waitMilliseconds: Double = 0, outOfMemoryErrors: Int = 0) {
        self.peakAllocatedBytes = peakAllocatedBytes
        self.peakReservedBytes = peakReservedBytes
        self.cacheGrowthBytes = cacheGrowthBytes
        self.waitMilliseconds = waitMilliseconds
        self.outOfMemoryErrors = outOfMemoryErrors
    }

    /// What a watch over the job's run saw.
    public init(_ watched: WatchedMemory, waitMilliseconds: Double = 0, outOfMemoryErrors: Int = 0) {
        self.init(peakAllocatedBytes: watched.peakAllocatedAboveStart, peakReservedBytes: watched.peakReservedAboveStart,
                  cacheGrowthBytes: watched.cacheGrowthBytes, waitMilliseconds: waitMilliseconds,
                  outOfMemoryErrors: outOfMemoryErrors)
    }

    enum CodingKeys: String, CodingKey {
        case peakAllocatedBytes = "peak_allocated_bytes"
        case peakReservedBytes = "peak_reserved_bytes"
        case cacheGrowthBytes = "cache_growth_bytes"
        case waitMilliseconds = "wait_ms"
        case outOfMemoryErrors = "out_of_memory_errors"
        case predictedPeakBytes = "predicted_peak_bytes"
    }
}
