import Foundation
import Synchronization

/// Note [Workers that spin before they sleep]: a decoding step hands about fifteen products to
/// the other threads, each a few tens of microseconds of work. `DispatchQueue.concurrentPerform`
/// parks its threads between calls, so every hand-off paid a wake-up (about 30 context switches
/// per step measured with `perf stat`) on the decoder's critical path. These workers instead
/// keep watching for the next part for a short while after each one (`spinLimit`), which
/// covers the gaps inside a step, and then sleep, so that an idle server burns no CPU.
///
/// One set of workers serves the process. Each has its own mailbox (a part and a ticket), so a
/// part is only ever offered to the worker meant to run it. A second caller arriving while the
/// workers are busy (two jobs on the CPU at once) uses Dispatch instead of waiting, and so does
/// a call with more parts than the process has cores: a spinning worker would then hold a core
/// that the one with the work needs (3 parts on 2 cores measured 200 times slower).
final class SpinningWorkers: @unchecked Sendable {
    static let shared = SpinningWorkers()

    /// How long a worker keeps looking for work after its last part before it sleeps.
    static let spinLimit: Duration = .microseconds(200)

    private final class Mailbox: @unchecked Sendable {
        /// Raised by the caller to offer a part; the worker answers by raising `done` to it.
        let ticket = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let sleeping = Atomic<Bool>(false)
        let condition = NSCondition()
        /// Written by the caller only while the worker is between parts (ticket == done).
        var part = 0
        var body: (@Sendable (Int) -> Void)?
    }

    private let busy = Atomic<Bool>(false)
    private let cores = ProcessInfo.processInfo.activeProcessorCount
    private let growth = Mutex<[Mailbox]>([])

    /// Runs `body(0..<iterations)`, part 0 on the calling thread, the others on the workers.
    func perform(_ iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard iterations > 1, iterations <= cores, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let mailboxes = workers(atLeast: iterations - 1)
        var tickets = [Int](repeating: 0, count: iterations - 1)
        for index in 1..<iterations {
            let mailbox = mailboxes[index - 1]
            mailbox.part = index
            mailbox.body = body
            tickets[index - 1] = mailbox.ticket.load(ordering: .relaxed) + 1
            mailbox.ticket.store(tickets[index - 1], ordering: .sequentiallyConsistent)
            if mailbox.sleeping.load(ordering: .sequentiallyConsistent) {
                mailbox.condition.lock()
                mailbox.condition.signal()
                mailbox.condition.unlock()
            }
        }
        body(0)
        for index in 1..<iterations {
            let mailbox = mailboxes[index - 1]
            var spins = 0
            while mailbox.done.load(ordering: .acquiring) != tickets[index - 1] {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }
            }
            mailbox.body = nil
        }
    }

    /// The first `count` workers, started on first need.
    private func workers(atLeast count: Int) -> [Mailbox] {
        growth.withLock { mailboxes in
            while mailboxes.count < count {
                let mailbox = Mailbox()
                let thread = Thread { Self.serve(mailbox) }
                thread.name = "auris-cpu-\(mailboxes.count + 1)"
                thread.start()
                mailboxes.append(mailbox)
            }
            return Array(mailboxes.prefix(count))
        }
    }

    private static func serve(_ mailbox: Mailbox) {
        var served = 0
        let clock = ContinuousClock()
        while true {
            var deadline = clock.now + spinLimit
            var spins = 0
            while mailbox.ticket.load(ordering: .acquiring) == served {
                spins += 1
                guard spins & 255 == 0 else { continue }
                if clock.now < deadline { continue }
                // Sleep until offered a part. `sleeping` is raised before the ticket is read
                // again and the caller raises the ticket before it reads `sleeping`, both
                // sequentially consistent: one of the two sees the other, so no offer is missed.
                mailbox.condition.lock()
                mailbox.sleeping.store(true, ordering: .sequentiallyConsistent)
                while mailbox.ticket.load(ordering: .sequentiallyConsistent) == served {
                    mailbox.condition.wait()
                }
                mailbox.sleeping.store(false, ordering: .relaxed)
                mailbox.condition.unlock()
                deadline = clock.now + spinLimit
            }
            served = mailbox.ticket.load(ordering: .acquiring)
            run(mailbox)
            mailbox.done.store(served, ordering: .releasing)
        }
    }

    /// The part, in a call of its own so that the worker's reference to the caller's closure
    /// is released before `done` tells the caller it may return (the closure does not escape).
    @inline(never)
    private static func run(_ mailbox: Mailbox) {
        let body = mailbox.body
        body?(mailbox.part)
    }
}
