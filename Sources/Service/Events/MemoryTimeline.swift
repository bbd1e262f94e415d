import Foundation
import Synchronization

/// The last hour of memory samples, one a second, for the System page's timeline: a bounded
/// ring, so that a server running for months holds the same 3,600 samples as one started now.
public final class MemoryTimeline: Sendable {
    private let samples = Mutex<[MemorySample]>([])
    public let capacity: Int

    public init(capacity: Int = 3_600) {
        self.capacity = capacity
    }

    public func append(_ sample: MemorySample) {
        samples.withLock { samples in
            if samples.count >= capacity { samples.removeFirst(samples.count - capacity + 1) }
            samples.append(sample)
        }
    }

    /// Oldest first.
    public var all: [MemorySample] { samples.withLock { $0 } }
}
