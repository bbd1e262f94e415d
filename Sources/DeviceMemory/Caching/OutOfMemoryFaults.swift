/// A test hook that makes a chosen fraction of the allocator's device allocations fail, as a
/// device out of memory would (`AURIS_FAULT_OOM=0.1`; off unless set).
///
/// Note [Failing on purpose]: out of memory is the error a memory-managing server must survive,
/// and the hardest to provoke on demand: a real one needs a full device and the right moment.
/// The hook fails the allocator's calls into the device, the one place a real shortage shows,
/// so everything above (the allocator's release-and-retry, the service's unload of idle models,
/// its second run, the job's failure message) meets it exactly as it would meet a real one. The
/// draws come from a seeded generator, so a failing run can be repeated.
public struct OutOfMemoryFaults: Sendable, Equatable {
    public static let environmentVariable = "AURIS_FAULT_OOM"
    public static let seedVariable = "AURIS_FAULT_OOM_SEED"

    /// The share of device allocations that fail, 0 < f ≤ 1.
    public var fraction: Double
    public var seed: UInt64

    public init(fraction: Double, seed: UInt64 = 0x5EED) throws(DeviceMemoryError) {
        guard fraction > 0 && fraction <= 1 else {
            throw DeviceMemoryError(.invalidConfiguration,
                                    "\(Self.environmentVariable) must be a fraction greater than 0 and at most 1 (got \(fraction))")
        }
        self.fraction = fraction
        self.seed = seed
    }

    /// Reads `AURIS_FAULT_OOM` (and `AURIS_FAULT_OOM_SEED`); nil when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(DeviceMemoryError) -> OutOfMemoryFaults? {
        guard let text = environment[environmentVariable], !text.isEmpty else { return nil }
        guard let fraction = Double(text) else {
            throw DeviceMemoryError(.invalidConfiguration, "\(environmentVariable)=\(text): expected a fraction such as 0.1")
        }
        let seedText = environment[seedVariable] ?? ""
        guard seedText.isEmpty || UInt64(seedText) != nil else {
            throw DeviceMemoryError(.invalidConfiguration, "\(seedVariable)=\(seedText): expected a whole number")
        }
        return try OutOfMemoryFaults(fraction: fraction, seed: UInt64(seedText) ?? 0x5EED)
    }
}

/// The hook's draws and its count, kept in the allocator's state.
struct FaultDraws {
    let faults: OutOfMemoryFaults
    private var state: UInt64
    private(set) var injected = 0

    init(_ faults: OutOfMemoryFaults) {
        self.faults = faults
        state = faults.seed
    }

    /// Whether this device allocation fails (SplitMix64, one draw per call).
    mutating func next() -> Bool {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let fails = Double(z >> 11) / Double(1 << 53) < faults.fraction
        if fails { injected += 1 }
        return fails
    }
}

extension CachingAllocator {
    /// Device allocations the fault hook failed on purpose; nil when the hook is off.
    public var injectedFaults: Int? { state.withLock { $0.faultDraws?.injected } }
}
