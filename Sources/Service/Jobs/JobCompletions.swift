import Synchronization

/// Who waits for which job to finish. Every finish advances one counter and wakes that job's
/// waiters; a waiter reads the counter before it looks at the store and does not sleep if the
/// counter has moved since, so a job that finishes between the look and the wait cannot be
/// missed (no polling, no task on the side). A finish of another job in that window only makes
/// the waiter look again. One counter, not one per job, so a server that runs for months keeps
/// nothing per finished job.
final class JobCompletions: Sendable {
    private struct State {
        var finishes = 0
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
        var stopped = false
    }
    private let state = Mutex(State())

    /// A mark to wait past: read it before checking whether the job has finished.
    func mark() -> Int { state.withLock { $0.finishes } }

    /// Returns once `id` has finished after `mark` (or, rarely, another job has: look again),
    /// or the completions are stopped.
    func wait(_ id: String, after mark: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.stopped || state.finishes > mark { return true }
                state.waiters[id, default: []].append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// `id` finished (or changed in a way its waiters must see).
    func finished(_ id: String) {
        let woken = state.withLock { state in
            state.finishes += 1
            return state.waiters.removeValue(forKey: id) ?? []
        }
        for waiter in woken { waiter.resume() }
    }

    /// Has every waiter look at the store again (a job may have ended where no notification
    /// reached this process: another worker's, with the notification lost).
    func lookAgain() {
        let woken = state.withLock { state in
            state.finishes += 1
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap { $0 }
        }
        for waiter in woken { waiter.resume() }
    }

    /// Wakes every waiter except those of `kept` (running jobs, which still finish), and lets
    /// no one wait from now on.
    func stop(keeping kept: Set<String>) {
        let woken = state.withLock { state in
            state.stopped = true
            let released = state.waiters.filter { !kept.contains($0.key) }
            for id in released.keys { state.waiters[id] = nil }
            return released.values.flatMap { $0 }
        }
        for waiter in woken { waiter.resume() }
    }
}

/// Why a running job is asked to stop; set by whoever asks, read by the job at its next event.
final class JobCancellation: Sendable {
    enum Reason: UInt8 {
        case none = 0
        /// A user cancelled it: it ends cancelled.
        case user = 1
        /// The server is stopping: it goes back to the queue and runs after the restart.
        case shutdown = 2
    }
    private let value = Atomic<UInt8>(Reason.none.rawValue)

    var reason: Reason { Reason(rawValue: value.load(ordering: .acquiring)) ?? .none }

    /// Asks the job to stop; a first reason is kept (a user's cancel stays a cancel).
    func request(_ reason: Reason) {
        _ = value.compareExchange(expected: Reason.none.rawValue, desired: reason.rawValue, ordering: .acquiringAndReleasing)
    }
}
