/// Splitting a cron expression into fields, and the shortcuts that stand for whole expressions.
extension CronSchedule {
    /// What each `@` shortcut stands for, as in Vixie cron.
    static let shortcuts: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    /// The five field texts of `text`, shortcuts expanded.
    static func fieldTexts(of text: String) throws(ServiceError) -> [String] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.isEmpty {
            throw ServiceError.invalidPolicy(
                "the schedule is empty; write five fields such as '0 3 * * *' (03:00 every day) or a shortcut such as @daily")
        }
        if words[0].hasPrefix("@") {
            guard words.count == 1, let expansion = shortcuts[words[0].lowercased()] else {
                let known = ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"]
                throw ServiceError.invalidPolicy(
                    "'\(text)' is not a known shortcut; use one of \(known.joined(separator: ", ")) on its own")
            }
            return expansion.split(separator: " ").map(String.init)
        }
        guard words.count == 5 else {
            throw ServiceError.invalidPolicy(
                "'\(text)' has \(words.count) field\(words.count == 1 ? "" : "s"); "
                    + "a schedule has five: minute hour day-of-month month day-of-week, for example '0 3 * * *'")
        }
        return words
    }
}

extension CronField {
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses one field: a comma-separated list of `*`, `V`, `A-B`, `*/N` or `A-B/N` items.
    init(parsing text: String, kind: Kind) throws(ServiceError) {
        self.init(kind: kind)
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw Self.error(kind, text, "a list has an empty item") }
            let (range, step) = try Self.parseItem(String(item), kind: kind, fieldText: text)
            for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                insert(value)
            }
        }
    }

    /// One list item as the range it covers and its step.
    private static func parseItem(_ item: String, kind: Kind, fieldText: String) throws(ServiceError) -> (ClosedRange<Int>, Int) {
        let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let base = parts[0]
        var step = 1
        if parts.count == 2 {
            let span = kind.writtenUpperBound - kind.lowerBound
            guard let parsed = Int(parts[1]), parsed >= 1, parsed <= span else {
                throw error(kind, fieldText, "the step in '\(item)' must be a whole number from 1 to \(span)")
            }
            guard base == "*" || base.contains("-") else {
                throw error(kind, fieldText,
                    "a step needs '*' or a range before it; write */\(parts[1]) or \(base)-\(kind.writtenUpperBound)/\(parts[1])")
            }
            step = parsed
        }
        if base == "*" { return (kind.lowerBound...kind.writtenUpperBound, step) }
        let ends = base.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let low = try value(ends[0], kind: kind, fieldText: fieldText)
        guard ends.count == 2 else { return (low...low, step) }
        let high = try value(ends[1], kind: kind, fieldText: fieldText)
        guard low <= high else {
            throw error(kind, fieldText,
                "the range '\(base)' runs backwards; write it from the lower value to the higher one, or as two ranges")
        }
        return (low...high, step)
    }

    /// A number or (for months and weekdays) a three-letter name, checked against the range.
    private static func value(_ token: String, kind: Kind, fieldText: String) throws(ServiceError) -> Int {
        let names = kind == .month ? monthNames : kind == .dayOfWeek ? weekdayNames : []
        if let index = names.firstIndex(of: token.lowercased()) {
            return kind == .month ? index + 1 : index
        }
        guard !token.isEmpty, token.allSatisfy(\.isASCIIDigit), let number = Int(token) else {
            let what = token.isEmpty ? "a value is missing" : "'\(token)' is not a number"
            throw error(kind, fieldText, "\(what); \(rangeText(kind))")
        }
        guard number >= kind.lowerBound && number <= kind.writtenUpperBound else {
            let detail = token == fieldText ? rangeText(kind) : "\(token) is out of range; \(rangeText(kind))"
            throw error(kind, fieldText, detail)
        }
        return number
    }

    /// What the field accepts, phrased for an error message.
    private static func rangeText(_ kind: Kind) -> String {
        switch kind {
        case .month: "values must be 1–12 or jan–dec"
        case .dayOfWeek: "values must be 0–7 (0 and 7 are Sunday) or sun–sat"
        default: "values must be \(kind.lowerBound)–\(kind.upperBound)"
        }
    }

    private static func error(_ kind: Kind, _ fieldText: String, _ detail: String) -> ServiceError {
        ServiceError.invalidPolicy("\(kind.name) field '\(fieldText)': \(detail)")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
