// The shared queue's own cost (docs/scale-out.md): jobs claimed and finished per second by 1, 2
// and 3 workers on one PostgreSQL, with no inference at all: each worker does what JobQueue does
// around a job (find the oldest queued job, claim it under a lease with SKIP LOCKED, write the
// outcome). Each round gets a fresh database; medians of 3 rounds.
//
//     scripts/postgres.sh run .build/release/QueueBenchmarks      (make bench does this)
import Foundation
import Logging
import PostgresNIO
import Service
import SharedStore

let jobsPerRound = 600
let rounds = 3
var logger = Logger(label: "queue-bench")
logger.logLevel = .error

guard let text = ProcessInfo.processInfo.environment["AURIS_TEST_DATABASE"], let base = try? DatabaseAddress(parsing: text) else {
    print("AURIS_TEST_DATABASE is not set: run it as scripts/postgres.sh run .build/release/QueueBenchmarks")
    exit(2)
}

func administer(_ statement: String) async throws {
    let connection = try await PostgresConnection.connect(
        configuration: .init(host: base.host, port: base.port, username: base.user, password: base.password, database: base.database, tls: .disable),
        id: 1, logger: logger)
    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
    try await connection.close()
}

var transcript = Transcript(language: "en", duration: 1, segments: [])
transcript.text = "benchmark"
let finished = transcript

/// One round: `workers` stores racing through `jobsPerRound` jobs; jobs per second.
func round(workers count: Int, index: Int) async throws -> Double {
    let name = "auris_queue_bench_\(count)_\(index)"
    try await administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    try await administer("CREATE DATABASE \(name)")
    var address = base
    address.database = name
    var workers: [PostgresStore] = []
    for worker in 0..<count {
        workers.append(try await PostgresStore(address: address, settings: .init(worker: "bench-\(worker)"), logger: logger))
    }
    let jobs = (0..<jobsPerRound).map { JobRecord(fileName: "f\($0).wav", audioPath: "/tmp/f\($0)", parameters: JobParameters()) }
    for start in stride(from: 0, to: jobs.count, by: 100) { try await workers[0].enqueue(Array(jobs[start..<start + 100])) }
    let started = ContinuousClock.now
    let done = try await withThrowingTaskGroup(of: Int.self) { group in
        for store in workers {
            group.addTask {
                var done = 0
                var lost: Set<String> = []
                while let job = try await store.nextQueued(excluding: lost, for: "cpu", serving: ["whisper-tiny.en"]) {
                    guard try await store.markRunning(job.id, at: Date()) else { lost.insert(job.id); continue }
                    if try await store.finish(job.id, transcript: finished, model: "m", device: "cpu", processingMilliseconds: 0, at: Date()) {
                        done += 1
                    }
                }
                return done
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - started
    precondition(done == jobsPerRound, "\(done) of \(jobsPerRound) jobs finished")
    for store in workers { store.close() }
    try await administer("DROP DATABASE \(name) WITH (FORCE)")
    return Double(jobsPerRound) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

print("Shared queue (PostgreSQL on loopback), \(jobsPerRound) jobs a round, median of \(rounds) rounds")
print("workers  jobs/s (claimed and finished)  rounds")
for count in 1...3 {
    var rates: [Double] = []
    for index in 0..<rounds { rates.append(try await round(workers: count, index: index)) }
    let median = rates.sorted()[rounds / 2]
    print(String(format: "%7d  %29.0f  %@", count, median, rates.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
}
