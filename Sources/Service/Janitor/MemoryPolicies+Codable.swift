/// JSON form of the policies: snake_case keys, absent keys taken from a base, unknown keys
/// rejected with a message that names them (a typo must not silently leave a policy unchanged).
extension MemoryPolicies: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case warningFraction = "warning_fraction"
        case cleanupOnThreshold = "cleanup_on_threshold"
        case cleanupEveryJobs = "cleanup_every_jobs"
        case cleanupMinimumCachedBytes = "cleanup_minimum_cached_bytes"
        case cleanupSchedule = "cleanup_schedule"
        case scheduleTimeZone = "schedule_time_zone"
        case idleUnloadSeconds = "idle_unload_seconds"
        case unloadIdleOnPressure = "unload_idle_on_pressure"
    }

    /// Put a `MemoryPolicies` under this key of a decoder's `userInfo` to decode a partial
    /// document as a change to it (for an HTTP `PUT` that sends only the fields it changes);
    /// without it, absent keys take the defaults.
    public static let baseUserInfoKey = CodingUserInfoKey(rawValue: "auris.memory_policies.base")!

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownKeys(in: decoder)
        let base = decoder.userInfo[Self.baseUserInfoKey] as? MemoryPolicies ?? .default
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self = base
        // A required policy sent as null is an error, not a silent return to the base value.
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            container.contains(key) ? try container.decode(T.self, forKey: key) : fallback
        }
        warningFraction = try value(.warningFraction, base.warningFraction)
        cleanupOnThreshold = try value(.cleanupOnThreshold, base.cleanupOnThreshold)
        cleanupEveryJobs = try value(.cleanupEveryJobs, base.cleanupEveryJobs)
        cleanupMinimumCachedBytes = try value(.cleanupMinimumCachedBytes, base.cleanupMinimumCachedBytes)
        scheduleTimeZone = try value(.scheduleTimeZone, base.scheduleTimeZone)
        unloadIdleOnPressure = try value(.unloadIdleOnPressure, base.unloadIdleOnPressure)
        // For the two optional policies an explicit null means "off", which differs from absent.
        cleanupSchedule = try value(.cleanupSchedule, base.cleanupSchedule)
        idleUnloadSeconds = try value(.idleUnloadSeconds, base.idleUnloadSeconds)
    }

    /// Writes every key, `null` included, so that what GET returns can be PUT back unchanged.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(warningFraction, forKey: .warningFraction)
        try container.encode(cleanupOnThreshold, forKey: .cleanupOnThreshold)
        try container.encode(cleanupEveryJobs, forKey: .cleanupEveryJobs)
        try container.encode(cleanupMinimumCachedBytes, forKey: .cleanupMinimumCachedBytes)
        try container.encode(cleanupSchedule, forKey: .cleanupSchedule)
        try container.encode(scheduleTimeZone, forKey: .scheduleTimeZone)
        try container.encode(idleUnloadSeconds, forKey: .idleUnloadSeconds)
        try container.encode(unloadIdleOnPressure, forKey: .unloadIdleOnPressure)
    }

    private static func rejectUnknownKeys(in decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: AnyKey.self) else { return }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        guard let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) else { return }
        throw ServiceError.invalidPolicy(
            "'\(unknown)' is not a memory policy; the policies are \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))",
            field: unknown)
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
