import DeviceMemory
import Foundation

/// A threshold warning that is currently showing, for the memory page and `GET /api/system/memory`.
public struct JanitorWarning: Sendable, Equatable {
    public var device: DeviceID
    /// When reserved memory crossed above the threshold.
    public var since: Date
    /// Reserved bytes as a share of the device at the latest evaluation.
    public var reservedFraction: Double
    public var threshold: Double
    /// What the operator can do, as in the `warn` action.
    public var suggestion: String
}

extension JanitorWarning: Encodable {
    enum CodingKeys: String, CodingKey {
        case device, since, threshold, suggestion
        case reservedFraction = "reserved_fraction"
    }
}
