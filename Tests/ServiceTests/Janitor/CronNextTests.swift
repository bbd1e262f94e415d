import Foundation
import Service
import Testing

/// When a schedule next fires: month ends, leap days, the day-of-month/day-of-week rule, steps,
/// shortcuts, and daylight-saving transitions.
@Suite("Cron expressions: next firing")
struct CronNextTests {
    private let utc = TimeZone(identifier: "UTC")!
    private let berlin = TimeZone(identifier: "Europe/Berlin")!

    private func next(_ expression: String, after date: Date, in zone: TimeZone? = nil) throws -> Date? {
        try CronSchedule(parsing: expression).next(after: date, in: zone ?? utc)
    }

    /// The first `count` firings after `date`.
    private func firings(_ expression: String, after date: Date, count: Int, in zone: TimeZone? = nil) throws -> [Date] {
        let schedule = try CronSchedule(parsing: expression)
        var result: [Date] = []
        var cursor = date
        while result.count < count, let fire = schedule.next(after: cursor, in: zone ?? utc) {
            result.append(fire)
            cursor = fire
        }
        return result
    }

    private func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Date {
        JanitorFixture.utc(y, mo, d, h, mi, s)
    }

    @Test func firesStrictlyAfterTheGivenTime() throws {
        #expect(try next("*/15 * * * *", after: at(2024, 7, 1, 10, 7, 30)) == at(2024, 7, 1, 10, 15))
        #expect(try next("*/15 * * * *", after: at(2024, 7, 1, 10, 15)) == at(2024, 7, 1, 10, 30))
        #expect(try next("*/15 * * * *", after: at(2024, 7, 1, 10, 14, 59)) == at(2024, 7, 1, 10, 15))
        #expect(try next("*/15 * * * *", after: at(2024, 7, 1, 23, 50)) == at(2024, 7, 2, 0, 0))
    }

    @Test func monthEndsAreSkippedWhenTheDayIsMissing() throws {
        #expect(try firings("0 0 31 * *", after: at(2024, 1, 31), count: 3) == [at(2024, 3, 31), at(2024, 5, 31), at(2024, 7, 31)])
        #expect(try next("0 12 30 * *", after: at(2023, 1, 31)) == at(2023, 3, 30, 12))
        #expect(try firings("59 23 31 12 *", after: at(2024, 6, 1), count: 2) == [at(2024, 12, 31, 23, 59), at(2025, 12, 31, 23, 59)])
        #expect(try next("0 0 1 * *", after: at(2024, 12, 15)) == at(2025, 1, 1))
    }

    @Test func leapDayFiresOnlyInLeapYears() throws {
        #expect(try next("0 0 29 2 *", after: at(2023, 3, 1)) == at(2024, 2, 29))
        #expect(try next("0 0 29 2 *", after: at(2024, 2, 29)) == at(2028, 2, 29))
        // 2100 is not a leap year: eight years between two 29 Februaries.
        #expect(try next("0 0 29 2 *", after: at(2097, 1, 1)) == at(2104, 2, 29))
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        // The 13th or any Friday. 2024-09-01 is a Sunday; 2024-09-13 is a Friday the 13th.
        #expect(try firings("0 0 13 * fri", after: at(2024, 9, 1), count: 4)
            == [at(2024, 9, 6), at(2024, 9, 13), at(2024, 9, 20), at(2024, 9, 27)])
        // The 1st or any Monday: 2024-07-01 is a Monday, 2024-08-01 a Thursday.
        #expect(try firings("0 0 1 * mon", after: at(2024, 7, 29), count: 3)
            == [at(2024, 8, 1), at(2024, 8, 5), at(2024, 8, 12)])
        // A stepped day of month is a restriction too, so this is odd days OR Mondays.
        #expect(try firings("0 0 */2 * mon", after: at(2024, 7, 1), count: 3)
            == [at(2024, 7, 3), at(2024, 7, 5), at(2024, 7, 7)])
        #expect(try next("0 0 */2 * mon", after: at(2024, 7, 13)) == at(2024, 7, 15))
    }

    @Test func onlyTheRestrictedDayFieldCountsWhenTheOtherIsUnrestricted() throws {
        #expect(try firings("0 0 * * mon", after: at(2024, 7, 2), count: 2) == [at(2024, 7, 8), at(2024, 7, 15)])
        #expect(try next("0 0 * * 7", after: at(2024, 7, 1)) == at(2024, 7, 7))
        #expect(try next("0 0 * * 0", after: at(2024, 7, 1)) == at(2024, 7, 7))
        #expect(try next("0 0 15 * *", after: at(2024, 7, 1)) == at(2024, 7, 15))
    }

    @Test func stepsAndRanges() throws {
        #expect(try firings("10-50/10 * * * *", after: at(2024, 7, 1, 10, 45), count: 3)
            == [at(2024, 7, 1, 10, 50), at(2024, 7, 1, 11, 10), at(2024, 7, 1, 11, 20)])
        #expect(try next("0 */6 * * *", after: at(2024, 7, 1, 7)) == at(2024, 7, 1, 12))
        #expect(try next("30 9-17/4 * * 1-5", after: at(2024, 7, 5, 17, 30)) == at(2024, 7, 8, 9, 30))
        #expect(try firings("*/15 * * * *", after: at(2024, 7, 1), count: 96).count == 96)
        #expect(try firings("*/15 * * * *", after: at(2024, 7, 1), count: 96).last == at(2024, 7, 2))
    }

    @Test func shortcuts() throws {
        #expect(try next("@hourly", after: at(2024, 7, 1, 10, 30)) == at(2024, 7, 1, 11))
        #expect(try next("@daily", after: at(2024, 7, 1, 10, 30)) == at(2024, 7, 2))
        #expect(try next("@weekly", after: at(2024, 7, 3)) == at(2024, 7, 7))
        #expect(try next("@monthly", after: at(2024, 7, 15)) == at(2024, 8, 1))
        #expect(try next("@yearly", after: at(2024, 7, 15)) == at(2025, 1, 1))
    }

    /// Every firing over five weeks that span a leap day and two month ends, against a
    /// minute-by-minute scan with Foundation's calendar as the independent oracle.
    @Test(arguments: ["0 0 13 * fri", "0 0 29 2 *", "*/20 3-5 * * sat,sun", "15 12 28-31 * *", "0 6 1,15 * wed"])
    func agreesWithAMinuteByMinuteScan(expression: String) throws {
        // The same schedules written as predicates on calendar fields (weekday 1 = Sunday).
        let oracle: (DateComponents) -> Bool = switch expression {
        case "0 0 13 * fri": { c in c.minute == 0 && c.hour == 0 && (c.day == 13 || c.weekday == 6) }
        case "0 0 29 2 *": { c in c.minute == 0 && c.hour == 0 && c.day == 29 && c.month == 2 }
        case "*/20 3-5 * * sat,sun": { c in c.minute! % 20 == 0 && (3...5).contains(c.hour!) && [1, 7].contains(c.weekday!) }
        case "15 12 28-31 * *": { c in c.minute == 15 && c.hour == 12 && c.day! >= 28 }
        default: { c in c.minute == 0 && c.hour == 6 && ([1, 15].contains(c.day!) || c.weekday == 4) }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let start = at(2024, 2, 20), end = at(2024, 3, 26)
        var expected: [Date] = []
        var minute = start.addingTimeInterval(60)
        while minute <= end {
            if oracle(calendar.dateComponents([.month, .day, .weekday, .hour, .minute], from: minute)) { expected.append(minute) }
            minute = minute.addingTimeInterval(60)
        }
        let actual = try firings(expression, after: start, count: expected.count + 1, in: utc).filter { $0 <= end }
        #expect(actual == expected)
    }

    // Europe/Berlin, 2024: clocks go from 02:00 CET to 03:00 CEST on 31 March, and from
    // 03:00 CEST back to 02:00 CET on 27 October.

    @Test func aNamedTimeInASpringGapRunsWhenTheGapEnds() throws {
        let fires = try firings("30 2 * * *", after: JanitorFixture.instant("2024-03-30T12:00:00+01:00"), count: 2, in: berlin)
        #expect(fires == [JanitorFixture.instant("2024-03-31T03:00:00+02:00"), JanitorFixture.instant("2024-04-01T02:30:00+02:00")])
        // Several named times in the gap run once.
        let several = try firings("0,20,40 2 * * *", after: JanitorFixture.instant("2024-03-31T01:00:00+01:00"), count: 2, in: berlin)
        #expect(several == [JanitorFixture.instant("2024-03-31T03:00:00+02:00"), JanitorFixture.instant("2024-04-01T02:00:00+02:00")])
    }

    @Test func anIntervalScheduleSkipsTheMissingHour() throws {
        let fires = try firings("15 * * * *", after: JanitorFixture.instant("2024-03-31T01:30:00+01:00"), count: 2, in: berlin)
        #expect(fires == [JanitorFixture.instant("2024-03-31T03:15:00+02:00"), JanitorFixture.instant("2024-03-31T04:15:00+02:00")])
    }

    @Test func aNamedTimeInARepeatedHourRunsOnce() throws {
        let fires = try firings("30 2 * * *", after: JanitorFixture.instant("2024-10-27T00:00:00+02:00"), count: 2, in: berlin)
        #expect(fires == [JanitorFixture.instant("2024-10-27T02:30:00+02:00"), JanitorFixture.instant("2024-10-28T02:30:00+01:00")])
        // Asked from inside the second pass, the repeated 02:30 is not run again.
        #expect(try next("30 2 * * *", after: JanitorFixture.instant("2024-10-27T02:10:00+01:00"), in: berlin)
            == JanitorFixture.instant("2024-10-28T02:30:00+01:00"))
    }

    @Test func anIntervalScheduleRunsThroughBothPassesOfARepeatedHour() throws {
        let fires = try firings("*/30 * * * *", after: JanitorFixture.instant("2024-10-27T02:15:00+02:00"), count: 4, in: berlin)
        #expect(fires == [
            JanitorFixture.instant("2024-10-27T02:30:00+02:00"), JanitorFixture.instant("2024-10-27T02:00:00+01:00"),
            JanitorFixture.instant("2024-10-27T02:30:00+01:00"), JanitorFixture.instant("2024-10-27T03:00:00+01:00"),
        ])
        #expect(try next("45 * * * *", after: JanitorFixture.instant("2024-10-27T02:10:00+01:00"), in: berlin)
            == JanitorFixture.instant("2024-10-27T02:45:00+01:00"))
    }

    @Test func dailyScheduleInNewYorkAcrossBothTransitions() throws {
        let newYork = TimeZone(identifier: "America/New_York")!
        let spring = try firings("30 2 * * *", after: JanitorFixture.instant("2024-03-09T12:00:00-05:00"), count: 2, in: newYork)
        #expect(spring == [JanitorFixture.instant("2024-03-10T03:00:00-04:00"), JanitorFixture.instant("2024-03-11T02:30:00-04:00")])
        let autumn = try firings("30 1 * * *", after: JanitorFixture.instant("2024-11-02T12:00:00-04:00"), count: 2, in: newYork)
        #expect(autumn == [JanitorFixture.instant("2024-11-03T01:30:00-04:00"), JanitorFixture.instant("2024-11-04T01:30:00-05:00")])
    }

    @Test func wallClockTimesFollowTheZoneOutsideTransitions() throws {
        #expect(try next("0 3 * * *", after: at(2024, 7, 1), in: berlin) == at(2024, 7, 1, 1))
        #expect(try next("0 3 * * *", after: at(2024, 1, 10), in: berlin) == at(2024, 1, 10, 2))
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        #expect(try next("0 0 * * *", after: at(2024, 7, 1), in: kolkata) == at(2024, 7, 1, 18, 30))
    }
}
