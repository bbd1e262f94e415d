import Synchronization

/// A value handed to a block on a dispatch queue, which drops it when its work is done.
///
/// Note [Dispatch blocks outlive their work]: libdispatch releases a block, and what it
/// captured, after the block has run, on its own thread: a block that resumed a continuation can
/// still hold its captures while the awaiting task goes on. An engine captured that way keeps
/// its weights allocated after the registry has let it go, so a sleep, unload or clear right
/// after a job would find them still there. The block takes the value out of a handoff instead,
/// and lets go of it before it resumes anyone.
final class Handoff<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>

    init(_ value: Value) { self.value = Mutex(value) }

    /// Runs `body` with the value, which is dropped when `body` returns; call once.
    func use<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        let taken = value.withLock { $0.take() }
        guard let taken else { preconditionFailure("a handoff is used once") }
        return try body(taken)
    }
}
