import DeviceMemory
import Foundation
import Service
import Tensor
import Testing

/// The queue's promises that need no model: order, and a stop that answers the waiting.
@Suite("Job queue")
struct JobQueueTests {
    static func queue() throws -> JobQueue {
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let registry = ModelRegistry(models: [:], defaultModelID: "none", backend: backend)
        return JobQueue(store: try SQLiteStore(), service: TranscriptionService(registry: registry))
    }

    @Test func aStopAnswersRequestsWaitingForQueuedJobs() async throws {
        let queue = try Self.queue()
        let job = JobRecord(fileName: "a.wav", audioPath: "/nonexistent", parameters: JobParameters())
        try await queue.submit([job])  // `run()` is never called: the job stays queued
        let waiting = Task { try await queue.result(of: job.id) }
        try await Task.sleep(for: .milliseconds(50))
        queue.stop()
        await #expect(throws: ServiceError.self) { try await waiting.value }
        do {
            _ = try await waiting.value
        } catch let error as ServiceError {
            #expect(error.code == .shuttingDown && error.message.contains("runs after the restart"))
        }
        #expect(try await queue.store.job(job.id)?.state == .queued, "the job itself is kept for the next start")
        // Waiting after the stop returns at once too.
        await #expect(throws: ServiceError.self) { try await queue.result(of: job.id) }
    }

    @Test func aJobWhoseAudioIsGoneFailsWithAReason() async throws {
        let queue = try Self.queue()
        let job = JobRecord(fileName: "a.wav", audioPath: "/nonexistent/a.wav", parameters: JobParameters())
        try await queue.submit([job])
        let worker = Task { try await queue.run() }
        await #expect(throws: ServiceError.self) { try await queue.result(of: job.id) }
        let failed = try #require(try await queue.store.job(job.id))
        #expect(failed.state == .failed && failed.error?.contains("no longer on disk") == true && failed.attempts == 1)
        queue.stop()
        try await worker.value
    }

    /// Why a job failed is kept with it, code and all: a waiter after a restart (a new queue on
    /// the same store) gets the very error the job failed with, not a generic one.
    @Test func aFailureKeepsItsCodeAcrossARestart() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("auris-store-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: file) }
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let first = JobQueue(store: try SQLiteStore(file: file), service: TranscriptionService(
            registry: ModelRegistry(models: [:], defaultModelID: "none", backend: backend)))
        let job = JobRecord(fileName: "a.wav", audioPath: "/nonexistent/a.wav", parameters: JobParameters())
        try await first.submit([job])
        let worker = Task { try await first.run() }
        _ = try? await first.result(of: job.id)
        first.stop()
        try await worker.value

        let again = JobQueue(store: try SQLiteStore(file: file), service: TranscriptionService(
            registry: ModelRegistry(models: [:], defaultModelID: "none", backend: backend)))
        let error = await #expect(throws: ServiceError.self) { try await again.result(of: job.id) }
        #expect(error?.code == .badAudio && error?.apiCode == "audio_missing", "\(String(describing: error))")
    }
}
