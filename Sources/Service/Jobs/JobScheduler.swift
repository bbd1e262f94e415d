import Synchronization

/// Which device's worker runs which queued job, and what asks a running job to stop.
///
/// Note [Which worker runs a job]: workers pull the oldest queued job they may run. A job that
/// names a device waits for that device's worker. A job that names none goes to the best of the
/// workers idle at that moment (``JobPlacement``): one that has the job's model resident, else
/// the one with the least device memory allocated. When that is another worker than the one
/// that found the job, the job is reserved for it and it is woken; the finder looks further.
/// A reservation lasts only while its worker is idle: when that worker takes another job, its
/// other reservations are dropped and every worker looks again, so no job waits behind a busy
/// worker while another sits idle.
final class JobScheduler: Sendable {
    /// What `place(_:by:candidates:)` decided.
    enum Placement {
        /// This worker runs the job; the token asks it to stop.
        case run(JobCancellation)
        /// Another worker is better placed; it has been woken. Look further.
        case leftForAnother
        /// Another worker claimed it since the read. Look again.
        case taken
        /// The queue is stopping: take nothing.
        case stopping
    }

    private struct State {
        var stopping = false
        /// Jobs a worker has claimed or is running, each with what asks it to stop.
        var running: [String: JobCancellation] = [:]
        /// Per worker, whether it is running a job.
        var busy: [Bool]
        /// Jobs held for an idle worker better placed to run them (by worker index).
        var reserved: [String: Int] = [:]
    }

    private let state: Mutex<State>
    /// One per worker: a submission, a finished job or a stop wakes it.
    private let wakeups: [AsyncStream<Void>]
    private let wakes: [AsyncStream<Void>.Continuation]

    init(workers: Int) {
        precondition(workers > 0, "a scheduler needs at least one worker")
        state = Mutex(State(busy: Array(repeating: false, count: workers)))
        let streams = (0..<workers).map { _ in AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1)) }
        wakeups = streams.map(\.stream)
        wakes = streams.map(\.continuation)
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Wakes every worker to look at the queue.
    func wakeAll() {
        for wake in wakes { wake.yield() }
    }

    /// The wake-ups of `worker`, which ends when the scheduler stops.
    func wakeups(of worker: Int) -> AsyncStream<Void> {
        wakeups[worker]
    }

    /// Jobs `worker` must pass over: claimed ones, and ones reserved for another worker.
    func excluded(for worker: Int) -> Set<String> {
        state.withLock { state in
            Set(state.running.keys).union(state.reserved.filter { $0.value != worker }.keys)
        }
    }

    /// Decides whether `worker` runs `job` (found queued), and claims it if so. `candidates`
    /// describes every worker, in order, as it is now.
    func place(_ job: JobRecord, by worker: Int, candidates: [WorkerCandidate]) -> Placement {
        enum Wake { case nobody, worker(Int), everyone }
        let (placement, wake) = state.withLock { state -> (Placement, Wake) in
            if state.stopping { return (.stopping, .nobody) }
            guard state.running[job.id] == nil else { return (.taken, .nobody) }
            if job.parameters.device == nil, state.reserved[job.id] != worker {
                let idle = candidates.indices.filter { !state.busy[$0] || $0 == worker }
                let best = JobPlacement.best(among: idle.map { candidates[$0] }, preferring: idle.firstIndex(of: worker))
                if let best, idle[best] != worker {
                    state.reserved[job.id] = idle[best]
                    return (.leftForAnother, .worker(idle[best]))
                }
            }
            let token = JobCancellation()
            state.running[job.id] = token
            state.busy[worker] = true
            state.reserved[job.id] = nil
            // This worker is busy now: what was held for it is open to the others again.
            let released = state.reserved.filter { $0.value == worker }.keys
            for id in released { state.reserved[id] = nil }
            return (.run(token), released.isEmpty ? .nobody : .everyone)
        }
        switch wake {
        case .nobody: break
        case .worker(let other): wakes[other].yield()
        case .everyone: wakeAll()
        }
        return placement
    }

    /// `worker` is done with `id`: it may take another, and so may the workers that skipped it.
    func finished(_ id: String, by worker: Int) {
        state.withLock { state in
            state.running[id] = nil
            state.busy[worker] = false
        }
        wakeAll()
    }

    /// What asks the running job `id` to stop, while one runs it.
    func cancellation(of id: String) -> JobCancellation? {
        state.withLock { $0.running[id] }
    }

    /// Stops handing out jobs and asks the running ones to stop for the shutdown; returns their ids.
    func stop() -> Set<String> {
        let running = state.withLock { state in
            state.stopping = true
            return state.running
        }
        for token in running.values { token.request(.shutdown) }
        for wake in wakes {
            wake.yield()
            wake.finish()
        }
        return Set(running.keys)
    }
}

/// A worker as the placement of a job sees it.
struct WorkerCandidate: Sendable, Equatable {
    /// Whether the job's model is loaded on the worker's device.
    var hasModelResident: Bool
    /// Device memory allocated on the worker's device now.
    var allocatedBytes: Int
}

/// The choice of Note [Which worker runs a job], as a pure function.
enum JobPlacement {
    /// The index of the best of `candidates`: one with the model resident, else the least
    /// allocated; among equals `preferring` (the worker asking), else the first.
    static func best(among candidates: [WorkerCandidate], preferring preferred: Int?) -> Int? {
        guard !candidates.isEmpty else { return nil }
        func rank(_ index: Int) -> (Int, Int, Int) {
            let candidate = candidates[index]
            return (candidate.hasModelResident ? 0 : 1, candidate.allocatedBytes, index == preferred ? 0 : 1)
        }
        return candidates.indices.min { rank($0) < rank($1) }
    }
}
