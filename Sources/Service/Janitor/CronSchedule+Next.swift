import Foundation

/// When the schedule next fires, in a given time zone.
extension CronSchedule {
    /// Transitions crossed before `next(after:in:)` gives up; a dozen years of daylight-saving
    /// changes is under thirty, so this only guards against a broken time-zone database.
    static let maximumSegments = 100

    /// The first minute strictly after `date` at which the schedule fires, read on the wall
    /// clock of `timeZone`; nil only when nothing matches within twelve years.
    ///
    /// Daylight-saving transitions (decision, documented in docs for operators):
    /// - A schedule that names hours (`30 2 * * *`) is a wall-clock appointment, and each
    ///   appointment runs exactly once. A time skipped by a spring-forward gap runs at the
    ///   instant the gap ends (02:30 runs at 03:00 on that day), several skipped times running
    ///   once; a time repeated by a fall-back runs at its first occurrence only.
    /// - A schedule whose hour field is `*` (`*/15 * * * *`, `@hourly`) is an interval, and
    ///   follows the minutes actually lived: a skipped hour has no runs, a repeated hour runs in
    ///   both passes.
    ///
    /// Between transitions the offset from UTC is constant, so wall-clock minutes and instants
    /// map one to one; the search runs on wall-clock minutes (skipping by fields) within one
    /// such stretch at a time and moves to the next stretch when a match lies beyond it.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let start = Int(date.timeIntervalSince1970.rounded(.down))
        var cursor = start                      // candidates must lie after this second
        var stretchStart = start                // where the current stretch of constant offset began (or the start)
        var offset = timeZone.secondsFromGMT(for: Self.date(start))
        var repeatEnd = Self.repeatedPeriodEnd(containing: start, in: timeZone)
        for _ in 0..<Self.maximumSegments {
            let wall = LocalMinute(minutesSinceEpoch: Self.floorDivide(cursor + offset, 60))
            guard let match = firstMatch(after: wall) else { return nil }
            let candidate = match.minutesSinceEpoch * 60 - offset
            let transition = timeZone.nextDaylightSavingTimeTransition(after: Self.date(stretchStart))
                .map { Int($0.timeIntervalSince1970.rounded(.down)) }
            if let transition, transition > stretchStart, candidate >= transition {
                let newOffset = timeZone.secondsFromGMT(for: Self.date(transition))
                // The match lies in the next stretch, or in the wall-clock times a gap skips.
                if newOffset > offset, candidate < transition + (newOffset - offset), !hours.isUnrestricted {
                    return Self.date(transition)
                }
                repeatEnd = newOffset < offset ? transition + (offset - newOffset) : nil
                (cursor, stretchStart, offset) = (transition - 1, transition, newOffset)
                continue
            }
            if let end = repeatEnd, candidate < end, !hours.isUnrestricted {
                // Second pass of a repeated hour: named hours already ran in the first pass.
                cursor = end - 1
                continue
            }
            return Self.date(candidate)
        }
        return nil
    }

    /// When `instant` lies in the second pass of a fall-back (the wall clock repeating an hour),
    /// the instant at which that second pass ends; otherwise nil.
    private static func repeatedPeriodEnd(containing instant: Int, in timeZone: TimeZone) -> Int? {
        // A repeated period lasts at most a few hours, so a transition a day back is enough.
        var last: Int?
        var probe = instant - 86_400
        while let next = timeZone.nextDaylightSavingTimeTransition(after: date(probe)),
              case let seconds = Int(next.timeIntervalSince1970.rounded(.down)), seconds <= instant, seconds > probe {
            last = seconds
            probe = seconds
        }
        guard let transition = last else { return nil }
        let before = timeZone.secondsFromGMT(for: date(transition - 1))
        let after = timeZone.secondsFromGMT(for: date(transition))
        guard after < before else { return nil }
        let end = transition + (before - after)
        return end > instant ? end : nil
    }

    private static func date(_ seconds: Int) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

    private static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }
}
