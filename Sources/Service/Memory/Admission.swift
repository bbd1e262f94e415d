import DeviceMemory
import Foundation
import Whisper

/// Whether a job may start on its device now, from its predicted peak (Note [Predicting a
/// job's peak] in Whisper) and what the device can give.
///
/// Note [Admission by prediction]: a job that cannot fit should not start, run for a while and
/// die of out of memory; one that could fit later should not fail. Before a job runs, its peak
/// is predicted and compared with what the device can give it now: the device's free memory
/// (within the allocator's memory fraction), the allocator's cache, and the weights of idle
/// models that unloading would release. It runs when the free memory and the cache cover it,
/// after unloading idle models when they are needed too, and waits when the device as a whole
/// could hold it but other work (another process on a shared GPU) holds the memory now. It is
/// refused, naming the bytes, when even an otherwise empty device could not hold it. Only whole
/// free segments count as cache: a free tail beside a live block serves only its own pool, and
/// is never given back, so counting it could admit a job that then runs out.
public enum AdmissionDecision: Sendable, Equatable {
    case run
    /// Unload these idle models first.
    case runAfterUnloading([String])
    /// The reason, for the job's state.
    case wait(String)
    /// Why, naming the bytes needed and available.
    case refuse(String)
}

/// What admission weighs, all in bytes.
public struct AdmissionInput: Sendable {
    /// What the job will take from the device: its predicted peak above what is allocated now,
    /// or the whole segments it reserves, whichever is more.
    public var predictedBytes: Int
    /// Free on the device, within the allocator's memory fraction.
    public var freeBytes: Int
    /// Held by the allocator in whole free segments: a clear, or a new allocation, takes it.
    public var cachedBytes: Int
    /// Idle models on the device other than the job's, least recently used first.
    public var idleModels: [(id: String, bytes: Int)]
    /// The most the job could ever have here: the allocator's share of the device less what
    /// stays reserved while it runs (its own model's weights and the segments around them, the
    /// backend's workspace), counting what other processes hold as theirs only for now.
    public var capacityBytes: Int

    public init(predictedBytes: Int, freeBytes: Int, cachedBytes: Int, idleModels: [(id: String, bytes: Int)], capacityBytes: Int) {
        self.predictedBytes = predictedBytes
        self.freeBytes = freeBytes
        self.cachedBytes = cachedBytes
        self.idleModels = idleModels
        self.capacityBytes = capacityBytes
    }

    /// Note [Admission by prediction].
    public var decision: AdmissionDecision {
        let available = max(0, freeBytes) + cachedBytes
        if predictedBytes <= available { return .run }
        var unloading: [String] = [], released = 0
        for model in idleModels where available + released < predictedBytes {
            unloading.append(model.id)
            released += model.bytes
        }
        if predictedBytes <= available + released { return .runAfterUnloading(unloading) }
        let needed = ByteFigure(predictedBytes), now = ByteFigure(available + released)
        if predictedBytes <= capacityBytes {
            return .wait("waiting for memory: needs \(needed), \(now) available now (free, cached and idle models)")
        }
        return .refuse("this job needs about \(needed) of device memory and the device can give it at most \(ByteFigure(capacityBytes)) "
                       + "(\(now) now); use a smaller model or compute type, or another device")
    }
}

/// Bytes as a person reads them, with the exact count: "18.3 MiB (19,216,896 bytes)".
struct ByteFigure: CustomStringConvertible {
    let bytes: Int
    init(_ bytes: Int) { self.bytes = bytes }
    var description: String {
        let mib = Double(bytes) / 1_048_576
        let human = mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
        return "\(human) (\(bytes.formatted(.number.grouping(.automatic))) bytes)"
    }
}
