/// One of the five fields of a cron expression, as the set of values it allows.
///
/// The set is a bit mask (every field's values fit in 64 bits), so membership and "the next
/// allowed value at or after v" are a shift and a count of trailing zeros: the schedule search
/// skips whole hours, days and months without looping over values.
struct CronField: Sendable, Hashable {
    /// Which field this is; fixes the range of values and the names the parser accepts.
    enum Kind: Int, Sendable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The name used in error messages, as crontab(5) calls the field.
        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// The smallest value after normalisation.
        var lowerBound: Int { self == .dayOfMonth || self == .month ? 1 : 0 }

        /// The largest value after normalisation; day-of-week 7 is folded onto 0 (Sunday).
        var upperBound: Int {
            switch self {
            case .minute: 59
            case .hour: 23
            case .dayOfMonth: 31
            case .month: 12
            case .dayOfWeek: 6
            }
        }

        /// The largest value the parser accepts; only day-of-week differs (7 is Sunday too).
        var writtenUpperBound: Int { self == .dayOfWeek ? 7 : upperBound }
    }

    let kind: Kind
    private(set) var mask: UInt64 = 0

    init(kind: Kind) { self.kind = kind }

    /// Adds a value already checked against `kind.writtenUpperBound`; day-of-week 7 becomes 0.
    mutating func insert(_ value: Int) {
        let folded = kind == .dayOfWeek && value == 7 ? 0 : value
        mask |= 1 << UInt64(folded)
    }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && mask & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value that is at least `value`, or nil when there is none.
    func next(atOrAfter value: Int) -> Int? {
        guard value <= kind.upperBound else { return nil }
        let remaining = mask & (~0 << UInt64(max(value, 0)))
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    /// The smallest allowed value; every parsed field allows at least one.
    var first: Int { mask.trailingZeroBitCount }

    /// The allowed values in increasing order.
    var values: [Int] { (kind.lowerBound...kind.upperBound).filter(contains) }

    /// True when the field allows every value of its range, that is, it restricts nothing.
    var isUnrestricted: Bool {
        let upTo = (UInt64(1) << UInt64(kind.upperBound + 1)) - 1
        let below = (UInt64(1) << UInt64(kind.lowerBound)) - 1
        return mask == upTo & ~below
    }
}

extension CronField: CustomStringConvertible {
    /// The canonical spelling: `*`, `*/N`, `A-B/N`, or a list of values and ranges.
    ///
    /// Two fields that allow the same values print the same, so a normalised expression is a
    /// fair key for "is this the same schedule" and reads back to an equal field.
    var description: String {
        if isUnrestricted { return "*" }
        let values = self.values
        if let step = Self.commonStep(values), step > 1, values.count >= 3 {
            let first = values[0], last = values[values.count - 1]
            // `*/N` says the same as `lo-hi/N` when the progression starts at the bottom of the
            // range and no further value would fit.
            if first == kind.lowerBound && last + step > kind.upperBound { return "*/\(step)" }
            return "\(first)-\(last)/\(step)"
        }
        return Self.runs(values).map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }

    /// The distance between consecutive values when it is the same everywhere.
    private static func commonStep(_ values: [Int]) -> Int? {
        guard values.count >= 2 else { return nil }
        let step = values[1] - values[0]
        for index in 1..<values.count where values[index] - values[index - 1] != step { return nil }
        return step
    }

    /// Consecutive values grouped into closed ranges.
    private static func runs(_ values: [Int]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        for value in values {
            if let last = runs.last, last.upperBound + 1 == value {
                runs[runs.count - 1] = last.lowerBound...value
            } else {
                runs.append(value...value)
            }
        }
        return runs
    }
}
