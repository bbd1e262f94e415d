/// A five-field cron expression — minute, hour, day of month, month, day of week — as used by
/// crontab(5), for the memory janitor's scheduled cleanup.
///
/// Accepted: `*`; single values; lists `1,15`; ranges `1-5`; steps `*/15` and `10-50/10`; month
/// names `jan`…`dec` and weekday names `sun`…`sat` (any case); 0 and 7 both mean Sunday; and
/// the shortcuts `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`,
/// `@annually`.
///
/// Day matching follows classic cron: when both the day of month and the day of week are
/// restricted, a day matches if *either* does (`0 0 1 * mon` runs on the first of the month and
/// on every Monday); when only one is restricted, only that one counts. A field counts as
/// restricted when it leaves out at least one value of its range, so the rule depends only on
/// what the fields allow and the normalised `description` means exactly what was written.
/// (Vixie cron instead treats any field that begins with `*`, such as `*/2`, as unrestricted.)
///
/// See `next(after:in:)` for how daylight-saving transitions are handled.
public struct CronSchedule: Sendable, Hashable {
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    /// Parses an expression; the error names the field and the value that is wrong, for example
    /// `minute field '61': values must be 0–59`.
    public init(parsing text: String) throws(ServiceError) {
        let fields = try Self.fieldTexts(of: text)
        minutes = try CronField(parsing: fields[0], kind: .minute)
        hours = try CronField(parsing: fields[1], kind: .hour)
        daysOfMonth = try CronField(parsing: fields[2], kind: .dayOfMonth)
        months = try CronField(parsing: fields[3], kind: .month)
        daysOfWeek = try CronField(parsing: fields[4], kind: .dayOfWeek)
        try checkCanFire(dayOfMonthText: fields[2])
    }

    /// Whether a calendar day matches, given its day of month, month and weekday (0 = Sunday).
    func matchesDay(day: Int, month: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        if !daysOfMonth.isUnrestricted && !daysOfWeek.isUnrestricted {
            return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        }
        return daysOfMonth.contains(day) && daysOfWeek.contains(weekday)
    }

    /// Rejects schedules such as `0 0 30 2 *` that name only days the chosen months never have;
    /// cron would accept them silently and never run, which an operator would only notice later.
    private func checkCanFire(dayOfMonthText: String) throws(ServiceError) {
        // With a restricted weekday the OR rule (or any weekday at all) guarantees matches.
        guard daysOfWeek.isUnrestricted else { return }
        let longestMonth = months.values.map { CivilDate.maximumDays(inMonth: $0) }.max() ?? 31
        guard daysOfMonth.first > longestMonth else { return }
        let names = months.values.map { CronField.monthNames[$0 - 1] }.joined(separator: ", ")
        throw ServiceError.invalidPolicy(
            "day-of-month field '\(dayOfMonthText)': no chosen month (\(names)) has that day, so the schedule would never run")
    }
}

extension CronSchedule: CustomStringConvertible {
    /// The normalised expression: five numeric fields, shortcuts expanded, names replaced by
    /// numbers, Sunday written 0, and each field in its shortest canonical form (`*`, `*/N`,
    /// `A-B/N` or a list of values and ranges). Parsing it gives back an equal schedule.
    public var description: String {
        [minutes, hours, daysOfMonth, months, daysOfWeek].map(\.description).joined(separator: " ")
    }
}

extension CronSchedule: Codable {
    /// Decodes from the expression text, with the parser's message on failure.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    /// Encodes the normalised expression.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
