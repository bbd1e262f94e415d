import Foundation

/// How the janitor writes sizes, shares, durations and times into reasons and suggestions: the
/// same units as `auris memory` (binary units, two decimals), so the audit log and the memory
/// report read alike.
enum JanitorText {
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.2f %@", value, units[unit])
    }

    /// A share as a percentage with one decimal, `85.3 %`; whole percentages drop the decimal,
    /// `85 %` (after rounding, so 0.85's binary fraction does not print as 85.0).
    static func percent(_ fraction: Double) -> String {
        let tenths = (fraction * 1000).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10)) %" : String(format: "%.1f %%", tenths / 10)
    }

    /// A duration in the largest sensible units: `45 s`, `5 min 12 s`, `2 h 3 min`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s" }
        let minutes = (total % 3600) / 60
        return minutes == 0 ? "\(total / 3600) h" : "\(total / 3600) h \(minutes) min"
    }

    /// A time on the wall clock of `timeZone`, `2025-03-30 03:00 Europe/Berlin`, with the zone
    /// named as the operator wrote it (Foundation on Linux calls `UTC` `GMT`).
    static func wallClock(_ date: Date, in timeZone: TimeZone, named name: String) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: date)
        let minutes = seconds >= 0 ? seconds / 60 : (seconds - 59) / 60
        let t = LocalMinute(minutesSinceEpoch: minutes)
        return String(format: "%04d-%02d-%02d %02d:%02d ", t.year, t.month, t.day, t.hour, t.minute) + name
    }
}
