/// A Prometheus histogram: cumulative counts per upper bound, then the total (+Inf), and the sum.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds, ascending (the `le` labels).
    public let bounds: [Double]
    /// Cumulative counts per bound, then the total (+Inf).
    public private(set) var counts: [Int]
    public private(set) var sum = 0.0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = [Int](repeating: 0, count: bounds.count + 1)
    }

    public var count: Int { counts.last ?? 0 }

    public mutating func observe(_ value: Double) {
        sum += value
        for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
        counts[bounds.count] += 1
    }

    /// The exposition's lines for this histogram, under `name` with `labels` (`key="value"`
    /// pairs, comma-separated, or empty).
    func lines(_ name: String, labels: String = "") -> [String] {
        func withLE(_ le: String) -> String { labels.isEmpty ? "{le=\"\(le)\"}" : "{\(labels),le=\"\(le)\"}" }
        var lines = bounds.enumerated().map { "\(name)_bucket\(withLE(Self.label($1))) \(counts[$0])" }
        lines.append("\(name)_bucket\(withLE("+Inf")) \(count)")
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        lines.append("\(name)_sum\(suffix) \(Self.label(sum))")
        lines.append("\(name)_count\(suffix) \(count)")
        return lines
    }

    /// Whole numbers without a fraction (byte bounds read as bytes), others as Swift prints them.
    private static func label(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e18 ? String(Int64(value)) : "\(value)"
    }
}
