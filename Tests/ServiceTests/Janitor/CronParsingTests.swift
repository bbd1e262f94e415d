import Service
import Testing

/// Parsing cron expressions: what is accepted, how it normalises, and what each mistake says.
@Suite("Cron expressions: parsing")
struct CronParsingTests {
    @Test(arguments: [
        ("0 3 * * *", "0 3 * * *"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("0,15,30,45 * * * *", "*/15 * * * *"),
        ("10-50/10 * * * *", "10-50/10 * * * *"),
        ("1,2,3,5 * * * *", "1-3,5 * * * *"),
        ("*/1 * * * *", "* * * * *"),
        ("0 */6 * * *", "0 */6 * * *"),
        ("0 9-17 * * mon-fri", "0 9-17 * * 1-5"),
        ("0 0 1 JAN,Jul *", "0 0 1 1,7 *"),
        ("0 0 1 jan-mar/2 *", "0 0 1 1,3 *"),
        ("5 4 * * Sun", "5 4 * * 0"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * 0,7", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5-6"),
        ("0 0 * * sun-sat", "0 0 * * *"),
        ("0 0 * * 1-7", "0 0 * * *"),
        ("0 0 1-31 * *", "0 0 * * *"),
        ("0 0 */2 * *", "0 0 */2 * *"),
        ("0 0 * * */2", "0 0 * * */2"),
        ("0 0 30 2 mon", "0 0 30 2 1"),
        ("  0   3 * *\t* ", "0 3 * * *"),
    ])
    func validExpressionsNormalise(text: String, normalised: String) throws {
        let schedule = try CronSchedule(parsing: text)
        #expect(schedule.description == normalised)
        #expect(try CronSchedule(parsing: schedule.description) == schedule)
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@DAILY", "0 0 * * *"),
    ])
    func shortcutsExpand(text: String, expansion: String) throws {
        #expect(try CronSchedule(parsing: text) == CronSchedule(parsing: expansion))
        #expect(try CronSchedule(parsing: text).description == expansion)
    }

    @Test(arguments: [
        ("61 * * * *", "minute field '61': values must be 0–59"),
        ("0 24 * * *", "hour field '24': values must be 0–23"),
        ("0 0 0 * *", "day-of-month field '0': values must be 1–31"),
        ("0 0 32 * *", "day-of-month field '32': values must be 1–31"),
        ("0 0 * 13 *", "month field '13': values must be 1–12 or jan–dec"),
        ("0 0 * * 8", "day-of-week field '8': values must be 0–7 (0 and 7 are Sunday) or sun–sat"),
        ("1,61 * * * *", "minute field '1,61': 61 is out of range; values must be 0–59"),
        ("0-60 * * * *", "minute field '0-60': 60 is out of range; values must be 0–59"),
        ("jan * * * *", "minute field 'jan': 'jan' is not a number; values must be 0–59"),
        ("1.5 * * * *", "minute field '1.5': '1.5' is not a number; values must be 0–59"),
        ("-5 * * * *", "minute field '-5': a value is missing; values must be 0–59"),
        ("0 0 * foo *", "month field 'foo': 'foo' is not a number; values must be 1–12 or jan–dec"),
        ("0 0 * * funday", "day-of-week field 'funday': 'funday' is not a number; values must be 0–7 (0 and 7 are Sunday) or sun–sat"),
        ("*/0 * * * *", "minute field '*/0': the step in '*/0' must be a whole number from 1 to 59"),
        ("*/x * * * *", "minute field '*/x': the step in '*/x' must be a whole number from 1 to 59"),
        ("0 */24 * * *", "hour field '*/24': the step in '*/24' must be a whole number from 1 to 23"),
        ("5/15 * * * *", "minute field '5/15': a step needs '*' or a range before it; write */15 or 5-59/15"),
        ("50-10 * * * *", "minute field '50-10': the range '50-10' runs backwards; write it from the lower value to the higher one, or as two ranges"),
        ("1,,2 * * * *", "minute field '1,,2': a list has an empty item"),
        ("0 0 30 2 *", "day-of-month field '30': no chosen month (feb) has that day, so the schedule would never run"),
        ("0 0 31 apr,jun *", "day-of-month field '31': no chosen month (apr, jun) has that day, so the schedule would never run"),
        ("0 0 * *", "'0 0 * *' has 4 fields; a schedule has five: minute hour day-of-month month day-of-week, for example '0 3 * * *'"),
        ("0 0 * * * *", "'0 0 * * * *' has 6 fields; a schedule has five: minute hour day-of-month month day-of-week, for example '0 3 * * *'"),
        ("daily", "'daily' has 1 field; a schedule has five: minute hour day-of-month month day-of-week, for example '0 3 * * *'"),
        ("", "the schedule is empty; write five fields such as '0 3 * * *' (03:00 every day) or a shortcut such as @daily"),
        ("@reboot", "'@reboot' is not a known shortcut; use one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually on its own"),
        ("@daily 5", "'@daily 5' is not a known shortcut; use one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually on its own"),
    ])
    func mistakesAreNamed(text: String, message: String) {
        let error = #expect(throws: ServiceError.self) { try CronSchedule(parsing: text) }
        #expect(error?.apiCode == "invalid_policy")
        #expect(error?.message == message)
    }

    @Test func leapDayIsAccepted() throws {
        #expect(try CronSchedule(parsing: "0 0 29 2 *").description == "0 0 29 2 *")
    }
}
