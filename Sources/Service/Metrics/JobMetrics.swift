import Foundation
import Synchronization

/// Counts transcription jobs, their durations and, per model, the memory they used, for
/// `/metrics`.
public final class JobMetrics: Sendable {
    /// Upper bounds of the duration histogram, in seconds (Prometheus `le` labels).
    public static let durationBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
    /// Upper bounds of the per-job memory histograms: 1 MiB to 16 GiB, by fours.
    public static let byteBounds: [Double] = (0...7).map { Double(1 << (20 + 2 * $0)) }
    /// Upper bounds of the wait-for-memory histogram, in seconds.
    public static let waitBounds: [Double] = [0.01, 0.1, 1, 10, 60, 600]

    /// What one model's jobs used (JobMemory), each figure a histogram.
    public struct ModelMemory: Sendable, Equatable {
        public var peakAllocatedBytes = Histogram(bounds: JobMetrics.byteBounds)
        public var peakReservedBytes = Histogram(bounds: JobMetrics.byteBounds)
        public var cacheGrowthBytes = Histogram(bounds: JobMetrics.byteBounds)
        public var waitSeconds = Histogram(bounds: JobMetrics.waitBounds)
    }

    public struct Snapshot: Sendable {
        public var succeeded = 0
        public var failed = 0
        public var audioSeconds = 0.0
        public var duration = Histogram(bounds: JobMetrics.durationBounds)
        /// By model id.
        public var memory: [String: ModelMemory] = [:]
        /// Jobs that met out of memory and finished on their second run, and those that failed.
        public var outOfMemoryRecovered = 0
        public var outOfMemoryFailed = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public func record(seconds: Double, audioSeconds: Double?, succeeded: Bool, model: String? = nil, memory: JobMemory? = nil) {
        state.withLock { state in
            if succeeded { state.succeeded += 1 } else { state.failed += 1 }
            state.audioSeconds += audioSeconds ?? 0
            state.duration.observe(seconds)
            guard let model, let memory else { return }
            state.memory[model, default: ModelMemory()].peakAllocatedBytes.observe(Double(memory.peakAllocatedBytes))
            state.memory[model, default: ModelMemory()].peakReservedBytes.observe(Double(memory.peakReservedBytes))
            state.memory[model, default: ModelMemory()].cacheGrowthBytes.observe(Double(memory.cacheGrowthBytes))
            state.memory[model, default: ModelMemory()].waitSeconds.observe(memory.waitMilliseconds / 1000)
        }
    }

    /// A job met out of memory (Note [Out of memory that is not real]) and then finished, or not.
    public func recordOutOfMemory(recovered: Bool) {
        state.withLock { state in
            if recovered { state.outOfMemoryRecovered += 1 } else { state.outOfMemoryFailed += 1 }
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}
