import Foundation
import Service
import SharedStore
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
            // The stalled worker: it never renews its lease. Neither worker's own rounds run in the
            // test (an hour apart), so that the explicit calls see what they put back.
            let stalled = try await place.open(PostgresStore.Settings(worker: "stalled", lease: .seconds(60), renewEvery: .seconds(3600)))
            let healthy = try await place.open(PostgresStore.Settings(worker: "healthy", renewEvery: .seconds(3600)))
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters())
            try await stalled.enqueue([job])
            #expect(try await stalled.markRunning(job.id, at: Date()))
            #expect(try await healthy.requeueInterrupted().isEmpty, "a lease still held is left alone")
            // Its lease runs out (set in the row: a test process starved of CPU cannot keep time).
            try await place.execute("UPDATE job SET lease_until = now() - interval '1 second' WHERE id = '\(job.id)'")
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
            let worker = try await place.open(PostgresStore.Settings(worker: "busy", lease: .seconds(60), renewEvery: .milliseconds(200)))
            let other = try await place.open(PostgresStore.Settings(worker: "other"))
            let job = JobRecord(fileName: "x.wav", audioPath: "/tmp/x", parameters: JobParameters())
            try await worker.enqueue([job])
            #expect(try await worker.markRunning(job.id, at: Date()))
            // The lease nearly out: the worker's next round renews it for its full length.
            try await place.execute("UPDATE job SET lease_until = now() + interval '2 seconds' WHERE id = '\(job.id)'")
            var renewed = false
            for _ in 0..<1200 where !renewed {
                try await Task.sleep(for: .milliseconds(100))
                renewed = try await place.query("SELECT (lease_until > now() + interval '30 seconds')::text FROM job WHERE id = '\(job.id)'") == ["true"]
            }
            #expect(renewed)
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
            // LISTEN starts in the background: submit until a wake-up comes (at most a minute, for a starved test process).
            let woken = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in wakes { return true }
                    return false
                }
                group.addTask {
                    for attempt in 0..<120 {
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

    @Test func uploadsKeptInTheDatabaseAreReadBackByAnotherWorkerAndGoWithTheJob() async throws {
        try await withStorePlace(.postgres) { place in
            let limit = 3 << 20
            let uploader = try await place.open(PostgresStore.Settings(worker: "uploader", audioInDatabaseLimit: limit))
            let runner = try await place.open(PostgresStore.Settings(worker: "runner", audioInDatabaseLimit: limit))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("auris-audio-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            // Two and a half parts, so that the last is short.
            let bytes = Data((0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
            let upload = folder.appendingPathComponent("upload.audio")
            try bytes.write(to: upload)
            let job = JobRecord(fileName: "upload.wav", audioPath: upload.path, parameters: JobParameters())
            try await uploader.enqueue([job])
            #expect(uploader.keepsAudio)

            let copy = folder.appendingPathComponent("copy.audio")
            #expect(try await runner.markRunning(job.id, at: Date()))
            #expect(try await runner.fetchAudio(of: job.id, to: copy))
            #expect(try Data(contentsOf: copy) == bytes, "the same bytes, in order")
            #expect(try await runner.finish(job.id, transcript: Self.transcript("x"), model: "m", device: "cpu",
                                            processingMilliseconds: 1, at: Date()))
            #expect(try await runner.fetchAudio(of: job.id, to: folder.appendingPathComponent("gone.audio")) == false,
                    "the parts go with the outcome")

            let large = folder.appendingPathComponent("large.audio")
            try Data(count: limit + 1).write(to: large)
            let refused = JobRecord(fileName: "large.wav", audioPath: large.path, parameters: JobParameters())
            await #expect(throws: ServiceError.self) { try await uploader.enqueue([refused]) }
            #expect(try await uploader.job(refused.id) == nil, "a refused upload leaves no job behind")
        }
    }

    /// What one worker does that another must hear of: a finish (its waiters answer), a cancel
    /// asked for the job the other runs; and a cancelled job whose worker died is not run again.
    @Test func finishesAndCancelsReachTheOtherWorkers() async throws {
        try await withStorePlace(.postgres) { place in
            let runner = try await place.open(PostgresStore.Settings(worker: "runner", lease: .seconds(60), renewEvery: .seconds(3600)))
            let front = try await place.open(PostgresStore.Settings(worker: "front", renewEvery: .seconds(3600)))
            let heard = Recorder<QueueChange>()
            for store in [runner, front] { store.watchQueue { change in if change != .queued { heard.append(change) } } }
            let jobs = (0..<3).map { JobRecord(fileName: "f\($0).wav", audioPath: "/tmp/f\($0)", parameters: JobParameters()) }
            try await front.enqueue(jobs)
            for job in jobs { #expect(try await runner.markRunning(job.id, at: Date())) }
            // LISTEN starts in the background: ask until both stores have heard (at most a minute).
            try await front.requestCancel(jobs[0].id)
            #expect(try await runner.finish(jobs[1].id, transcript: Self.transcript("x"), model: "m", device: "cpu",
                                            processingMilliseconds: 1, at: Date()))
            for _ in 0..<600 where heard.all.filter({ $0 == .cancelRequested(jobs[0].id) || $0 == .finished(jobs[1].id) }).count < 4 {
                try await Task.sleep(for: .milliseconds(100))
                try await front.requestCancel(jobs[0].id)
                try await place.execute("SELECT pg_notify('auris_finished', '\(jobs[1].id)')")
            }
            let changes = heard.all
            #expect(changes.filter { $0 == .cancelRequested(jobs[0].id) }.count >= 2, "both workers hear the cancel: \(changes)")
            #expect(changes.filter { $0 == .finished(jobs[1].id) }.count >= 2, "both workers hear the finish: \(changes)")

            // The runner dies (its leases run out): the job asked to cancel ends cancelled, the
            // other goes back to the queue.
            try await place.execute("UPDATE job SET lease_until = now() - interval '1 second' WHERE state = 'running'")
            #expect(try await front.requeueInterrupted() == [jobs[2].id])
            #expect(try await front.job(jobs[0].id)?.state == .cancelled)
        }
    }

    @Test func policiesSavedByOneWorkerReachTheOthers() async throws {
        try await withStorePlace(.postgres) { place in
            let first = try #require(try await place.open(PostgresStore.Settings(worker: "first")) as? PostgresStore)
            let second = try #require(try await place.open(PostgresStore.Settings(worker: "second")) as? PostgresStore)
            #expect(try await second.loadPolicies() == nil, "none saved yet")
            let (received, receive) = AsyncStream.makeStream(of: MemoryPolicies.self)
            second.watchPolicies { receive.yield($0) }
            let toldItself = Recorder<MemoryPolicies>()
            first.watchPolicies { toldItself.append($0) }
            let policies = { var policies = MemoryPolicies.default; policies.cleanupEveryJobs = 7; return policies }()
            // LISTEN starts in the background: save until the other worker hears (at most a minute).
            let heard = try await withThrowingTaskGroup(of: MemoryPolicies?.self) { group in
                group.addTask { for await policies in received { return policies }; return nil }
                group.addTask {
                    for _ in 0..<120 {
                        try await first.savePolicies(policies)
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                receive.finish()
                return first
            }
            #expect(heard?.cleanupEveryJobs == 7)
            #expect(try await second.loadPolicies() == policies)
            #expect(toldItself.all.isEmpty, "a worker is not told of its own change")
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

/// What callbacks on other tasks saw.
final class Recorder<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    func append(_ item: Item) { items.withLock { $0.append(item) } }
    var all: [Item] { items.withLock { $0 } }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
