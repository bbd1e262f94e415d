import Foundation
import Service
import Synchronization
import Testing
import Whisper

/// Several workers on one PostgreSQL database (Note [Leases]): claims never overlap, a dead
/// worker's job goes back to the queue when its lease expires, a late outcome is refused, and
/// new work wakes the others. Runs when the tests have a database (StoreBackend).
@Suite("Shared queue", .enabled(if: StoreBackend.testDatabase != nil))
struct SharedQueueTests {
    static func transcript(_ text: String) -> Transcript {
        var transcript = Transcript(language: "en", duration: 1, segments: [])
        transcript.text = text
        return transcript
    }

    @Test func racingWorkersClaimEveryJobOnce() async throws {
        try await withStorePlace(.postgres) { place in
            let workers = try await (0..<3).asyncMap { try await place.open(PostgresStore.Settings(worker: "w\($0)")) }
            let jobs = (0..<60).map { JobRecord(fileName: "f\($0).wav", audioPath: "/tmp/f\($0)", parameters: JobParameters()) }
            try await workers[0].enqueue(jobs)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for store in workers {
                    group.addTask {
                        var mine: [String] = []
                        var passed: Set<String> = []
                        while let job = try await store.nextQueued(excluding: passed, for: nil, serving: nil) {
                            if try await store.markRunning(job.id, at: Date()) {
                                mine.append(job.id)
                                try await store.finish(job.id, transcript: Self.transcript(job.fileName), model: "m", device: "cpu",
                                                       processingMilliseconds: 1, at: Date())
                            } else {
                                passed.insert(job.id)   // another worker won it
                            }
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == jobs.count && Set(all) == Set(jobs.map(\.id)), "every job claimed exactly once")
            #expect(try await workers[1].history(matching: nil, limit: 100, offset: 0).total == jobs.count)
        }
    }

    @Test func aJobWhoseWorkerStopsRenewingIsFinishedByAnotherAndTheLateOutcomeIsRefused() async throws {
        try await withStorePlace(.postgres) { place in
            // The stalled worker: a one-second lease that it never renews.
            let stalled = try await place.open(PostgresStore.Settings(worker: "stalled", lease: .seconds(1), renewEvery: .seconds(3600)))
            let healthy = try await place.open(PostgresStore.Settings(worker: "healthy"))
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters())
            try await stalled.enqueue([job])
            #expect(try await stalled.markRunning(job.id, at: Date()))
            #expect(try await healthy.requeueInterrupted().isEmpty, "a lease still held is left alone")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await healthy.requeueInterrupted() == [job.id], "an expired lease goes back to the queue")
            #expect(try await healthy.markRunning(job.id, at: Date()))
            #expect(try await healthy.finish(job.id, transcript: Self.transcript("healthy"), model: "m", device: "cpu",
                                             processingMilliseconds: 1, at: Date()))
            #expect(try await stalled.finish(job.id, transcript: Self.transcript("stalled"), model: "m", device: "cpu",
                                             processingMilliseconds: 1, at: Date()) == false)
            let done = try #require(try await healthy.job(job.id))
            #expect(done.text == "healthy" && done.attempts == 2)
        }
    }

    @Test func aWorkerThatRenewsKeepsItsJob() async throws {
        try await withStorePlace(.postgres) { place in
            let worker = try await place.open(PostgresStore.Settings(worker: "busy", lease: .seconds(1), renewEvery: .milliseconds(200)))
            let other = try await place.open(PostgresStore.Settings(worker: "other"))
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters())
            try await worker.enqueue([job])
            #expect(try await worker.markRunning(job.id, at: Date()))
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await other.requeueInterrupted().isEmpty)
            #expect(try await other.job(job.id)?.state == .running)
        }
    }

    @Test func workQueuedByOneWorkerWakesTheOthers() async throws {
        try await withStorePlace(.postgres) { place in
            let submitter = try await place.open(PostgresStore.Settings(worker: "submitter"))
            // Renewal rounds wake too; an hour apart, so that only the notification can.
            let listener = try await place.open(PostgresStore.Settings(worker: "listener", lease: .seconds(15), renewEvery: .seconds(3600)))
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self)
            listener.watchQueue { _ in wake.yield() }
            // LISTEN starts in the background: submit until a wake-up comes (at most 10 s).
            let woken = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in wakes { return true }
                    return false
                }
                group.addTask {
                    for attempt in 0..<20 {
                        try await submitter.enqueue([JobRecord(fileName: "f\(attempt).wav", audioPath: nil, parameters: JobParameters())])
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                wake.finish()
                return first
            }
            #expect(woken)
        }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        try await withStorePlace(.postgres) { place in
            _ = try await place.open()
            try await place.execute("INSERT INTO schema_version (version, name) VALUES (999, 'from a newer Auris')")
            await #expect(throws: ServiceError.self) { _ = try await place.open() }
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
