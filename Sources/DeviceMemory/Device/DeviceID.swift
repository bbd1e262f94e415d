/// Names one memory device the way users write it: `cpu`, `cuda:0`, `cuda:1`, ...
public struct DeviceID: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public enum Kind: String, Sendable, Codable { case cpu, cuda }

    public let kind: Kind
    /// The ordinal among devices of the same kind; always 0 for the host.
    public let index: Int

    public static let cpu = DeviceID(kind: .cpu, index: 0)
    public static func cuda(_ index: Int) -> DeviceID { DeviceID(kind: .cuda, index: index) }

    public init(kind: Kind, index: Int) {
        self.kind = kind
        self.index = kind == .cpu ? 0 : index
    }

    /// Parses `cpu`, `cuda` (= `cuda:0`) and `cuda:N`.
    public init(parsing text: String) throws(DeviceMemoryError) {
        let lowered = text.lowercased()
        if lowered == "cpu" { self = .cpu; return }
        if lowered == "cuda" { self = .cuda(0); return }
        if lowered.hasPrefix("cuda:"), let index = Int(lowered.dropFirst(5)), index >= 0 {
            self = .cuda(index)
            return
        }
        throw DeviceMemoryError(.invalidDevice, "'\(text)' is not a device; write cpu, cuda or cuda:N (N ≥ 0)")
    }

    public var description: String { kind == .cpu ? "cpu" : "cuda:\(index)" }

    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind == .cpu }
        return lhs.index < rhs.index
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
