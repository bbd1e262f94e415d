import Foundation
import Synchronization

/// Counts transcription jobs and their durations, for `/metrics`.
public final class JobMetrics: Sendable {
    /// Upper bounds of the duration histogram, in seconds (Prometheus `le` labels).
    public static let bucketBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

    public struct Snapshot: Sendable {
        public var succeeded = 0
        public var failed = 0
        public var audioSeconds = 0.0
        /// Cumulative counts per bound, then the total (+Inf).
        public var bucketCounts = [Int](repeating: 0, count: JobMetrics.bucketBounds.count + 1)
        public var durationSum = 0.0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public func record(seconds: Double, audioSeconds: Double?, succeeded: Bool) {
        state.withLock { state in
            if succeeded { state.succeeded += 1 } else { state.failed += 1 }
            state.audioSeconds += audioSeconds ?? 0
            state.durationSum += seconds
            for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound { state.bucketCounts[index] += 1 }
            state.bucketCounts[Self.bucketBounds.count] += 1
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}
