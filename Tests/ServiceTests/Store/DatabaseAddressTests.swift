import Service
import SharedStore
import Testing

/// `--database` as an operator types it, and what a typo gets.
@Suite("Database address")
struct DatabaseAddressTests {
    @Test func aFullAddressIsRead() throws {
        let address = try DatabaseAddress(parsing: "postgresql://auris:s%40cret@db.example:6543/jobs?sslmode=require")
        #expect(address.host == "db.example" && address.port == 6543 && address.user == "auris")
        #expect(address.password == "s@cret" && address.database == "jobs" && address.tls == .require)
        #expect(address.description == "postgres://auris@db.example:6543/jobs", "the password never shows")
    }

    @Test func defaultsAreLibpqs() throws {
        let address = try DatabaseAddress(parsing: "postgres://auris@localhost")
        #expect(address.port == 5432 && address.database == "auris" && address.password == nil && address.tls == .prefer)
    }

    @Test(arguments: ["mysql://auris@db/auris", "postgres:///auris", "postgres://db/auris", "postgres://a@db/x?sslmode=verify"])
    func aWrongAddressIsRefusedSaying(_ text: String) {
        #expect(throws: ServiceError.self) { try DatabaseAddress(parsing: text) }
    }

    @Test func aRefusalDoesNotRepeatThePassword() {
        do {
            _ = try DatabaseAddress(parsing: "mysql://auris:hunter2@db/auris")
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("hunter2"), "\(error.message)")
        }
    }
}
