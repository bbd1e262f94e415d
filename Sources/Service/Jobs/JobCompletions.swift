import Synchronization

/// Who waits for which job to finish. A finish bumps the job's count and wakes its waiters; a
/// waiter reads the count before it looks at the store and waits only for a later one, so a
/// job that finishes between the look and the wait cannot be missed (no polling, no task on the
/// side).
final class JobCompletions: Sendable {
    private struct State {
        var finishes: [String: Int] = [:]
        var waiters: [String: [(after: Int, continuation: CheckedContinuation<Void, Never>)]] = [:]
        var stopped = false
    }
    private let state = Mutex(State())

    /// A mark to wait past: read it before checking whether the job has finished.
    func mark(_ id: String) -> Int { state.withLock { $0.finishes[id, default: 0] } }

    /// Returns once `id` has finished after `mark`, or the completions are stopped.
    func wait(_ id: String, after mark: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.stopped || state.finishes[id, default: 0] > mark { return true }
                state.waiters[id, default: []].append((mark, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// `id` finished (or changed in a way its waiters must see).
    func finished(_ id: String) {
        let woken = state.withLock { state in
            state.finishes[id, default: 0] += 1
            return state.waiters.removeValue(forKey: id) ?? []
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Wakes every waiter except those of `kept`, and lets no one wait from now on, except
    /// for the jobs in `kept` (running jobs, which still finish).
    func stop(keeping kept: Set<String>) {
        let woken = state.withLock { state in
            state.stopped = true
            let released = state.waiters.filter { !kept.contains($0.key) }
            for id in released.keys { state.waiters[id] = nil }
            return released.values.flatMap { $0 }
        }
        for waiter in woken { waiter.continuation.resume() }
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
