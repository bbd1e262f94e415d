/// The search for the next matching wall-clock minute, skipping by fields.
extension CronSchedule {
    /// How far ahead the search looks before concluding that nothing matches. A schedule that
    /// parsed always matches within eight years (29 February skips 2100); the margin only
    /// guards against looping forever.
    static let searchHorizonYears = 12

    /// The first local minute strictly after `start` that the schedule allows.
    ///
    /// Moves from the largest field to the smallest: a month that is not allowed jumps to the
    /// next allowed month, a day that does not match jumps to the next candidate day, and so
    /// on, so the work is proportional to the number of fields skipped, not to minutes.
    func firstMatch(after start: LocalMinute) -> LocalMinute? {
        var t = LocalMinute(minutesSinceEpoch: start.minutesSinceEpoch + 1)
        let lastYear = start.year + Self.searchHorizonYears
        while t.year <= lastYear {
            guard let month = months.next(atOrAfter: t.month) else {
                t = dayStart(year: t.year + 1, month: months.first, day: 1)
                continue
            }
            if month != t.month { t = dayStart(year: t.year, month: month, day: 1) }
            if t.day > CivilDate.days(inMonth: t.month, year: t.year) {
                t = dayStart(year: t.year, month: t.month + 1, day: 1)
                continue
            }
            let weekday = CivilDate.weekday(daysSinceEpoch: t.daysSinceEpoch)
            if !matchesDay(day: t.day, month: t.month, weekday: weekday) {
                t = dayStart(year: t.year, month: t.month, day: nextCandidateDay(after: t.day))
                continue
            }
            guard let hour = hours.next(atOrAfter: t.hour) else {
                t = dayStart(year: t.year, month: t.month, day: t.day + 1)
                continue
            }
            if hour != t.hour { (t.hour, t.minute) = (hour, minutes.first) }
            guard let minute = minutes.next(atOrAfter: t.minute) else {
                // Past the last allowed minute of this hour: try the next hour of the same day.
                (t.hour, t.minute) = (t.hour + 1, minutes.first)
                if t.hour > 23 { t = dayStart(year: t.year, month: t.month, day: t.day + 1) }
                continue
            }
            t.minute = minute
            return t
        }
        return nil
    }

    /// The first allowed time on a day; `day` and `month` may overflow by one, which the
    /// search loop carries into the next month or year.
    private func dayStart(year: Int, month: Int, day: Int) -> LocalMinute {
        LocalMinute(year: year, month: month, day: day, hour: hours.first, minute: minutes.first)
    }

    /// The next day worth trying after a day that did not match. When only the day of month
    /// restricts, jump straight to the next allowed day; otherwise weekdays must be walked.
    private func nextCandidateDay(after day: Int) -> Int {
        guard daysOfWeek.isUnrestricted else { return day + 1 }
        return daysOfMonth.next(atOrAfter: day + 1) ?? 32
    }
}
