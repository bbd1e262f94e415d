import Foundation
import Synchronization

/// Where a model's time went, for `auris transcribe --timings`: like whisper.cpp's closing
/// timings, so that a slow device can be told apart from a slow host.
///
/// On a GPU every operation is only queued, so "queue" is the host's time to launch a window's
/// or a step's work, and "wait" is the time the decoder then waits for the device to finish and
/// hand back the logits. A large wait means the device is the bottleneck; a large queue, the
/// launches; the rest of the wall time is the host's own work (features, rules, sampling, text).
public struct EngineTimings: Sendable, Equatable {
    public var windowsEncoded = 0
    public var encodeSeconds = 0.0
    public var decoderCalls = 0
    public var decoderQueueSeconds = 0.0
    public var decoderWaitSeconds = 0.0

    public init() {}
}

/// Accumulates ``EngineTimings`` across threads; a model has one.
final class EngineTimingsRecorder: Sendable {
    private let timings = Mutex(EngineTimings())

    func record(_ update: (inout EngineTimings) -> Void) {
        timings.withLock { update(&$0) }
    }

    /// The timings so far, and a fresh start.
    func take() -> EngineTimings {
        timings.withLock { timings in
            defer { timings = EngineTimings() }
            return timings
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
