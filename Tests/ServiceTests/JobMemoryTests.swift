import DeviceMemory
import Foundation
import Service
import Tensor
import Testing
import WhisperTestKit

/// Each job is charged the memory it used: stored with it, counted per model in the metrics.
@Suite("Per-job memory")
struct JobMemoryTests {
    @Test func eachJobIsChargedWhatItUsedAboveTheWeights() async throws {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let allocator = try CachingAllocator(backend: HostMemory())
        let service = TranscriptionService(registry: ModelRegistry(
            models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: CPUBackend(allocator: allocator, threads: 1)))
        // The model's profile is measured before its first job, which warms the cache; measure
        // it first and start the jobs from an empty cache.
        _ = await service.registry.ensureMemoryProfile(of: "tiny", try await service.registry.acquire("tiny").engine)
        service.registry.release("tiny")
        _ = allocator.emptyCache()
        let queue = JobQueue(store: try SQLiteStore(), service: service)
        let worker = Task { try await queue.run() }
        var finished: [JobRecord] = []
        for index in 0..<2 {
            let audio = root.appendingPathComponent("clip-\(index).wav")
            try JobQueueWorkersTests.wav(seconds: 3, seed: 1).write(to: audio)
            let job = JobRecord(fileName: "clip.wav", audioPath: audio.path, parameters: JobParameters(temperatures: [0]))
            try await queue.submit([job])
            finished.append(try await queue.result(of: job.id))
        }
        queue.stop()
        try await worker.value

        let weights = allocator.usage().allocatedBytes   // the model is still resident; nothing else is
        let first = try #require(finished[0].memory), second = try #require(finished[1].memory)
        #expect(first.peakAllocatedBytes > 0)
        #expect(first.peakAllocatedBytes + weights <= allocator.stats().allocatedBytes.all.peak,
                "the weights are not charged to the job")
        #expect(first.cacheGrowthBytes > 0, "the first job grows the cache")
        // The same audio again runs in the cache the first job left: it reserves nothing new.
        #expect(second.peakAllocatedBytes == first.peakAllocatedBytes)
        #expect(second.peakReservedBytes == 0 && second.cacheGrowthBytes == 0)
        #expect(second.waitMilliseconds == 0)

        let metrics = try #require(service.metrics.snapshot.memory["tiny"])
        #expect(metrics.peakAllocatedBytes.count == 2)
        #expect(metrics.peakAllocatedBytes.sum == Double(first.peakAllocatedBytes + second.peakAllocatedBytes))
        #expect(metrics.cacheGrowthBytes.sum == Double(first.cacheGrowthBytes))
    }
}
