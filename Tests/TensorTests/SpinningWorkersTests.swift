import Foundation
import Synchronization
import Testing
@testable import Tensor

/// The hand-off to the spinning workers: every part runs once per call, whatever the count of
/// parts (more parts than cores go through Dispatch), however often, and from several callers
/// at once (the second caller goes through Dispatch while the workers are busy).
@Suite("Spinning workers")
struct SpinningWorkersTests {
    final class Tally: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let size: Int
        init(_ size: Int) {
            self.size = size
            counts = .allocate(capacity: size)
            counts.initialize(repeating: 0, count: size)
        }
        deinit { counts.deallocate() }
        var values: [Int] { Array(UnsafeBufferPointer(start: counts, count: size)) }
    }

    @Test func everyPartRunsOncePerCall() {
        for parts in [1, 2, 3, 5, 8] {
            let tally = Tally(parts)
            for _ in 0..<2_000 {
                concurrentlyPerform(parts) { part in tally.counts[part] += 1 }
            }
            #expect(tally.values == [Int](repeating: 2_000, count: parts), "\(parts) parts")
        }
    }

    @Test func callersAtOnceEachGetTheirPartsRun() async {
        let callers = 4, calls = 500, parts = 3
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let total = Count()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    for _ in 0..<calls {
                        let tally = Tally(parts)
                        concurrentlyPerform(parts) { part in tally.counts[part] += 1 }
                        if tally.values == [1, 1, 1] { total.value.add(1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == callers * calls)
    }

    /// A part that runs after a worker has gone to sleep (well past the spin limit) still runs.
    @Test func workersWakeFromSleep() async throws {
        let tally = Tally(2)
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(20))
            concurrentlyPerform(2) { part in tally.counts[part] += 1 }
        }
        #expect(tally.values == [3, 3])
    }
}
