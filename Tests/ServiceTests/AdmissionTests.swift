import DeviceMemory
import Foundation
import Service
import Synchronization
import Tensor
import Testing
import WhisperTestKit

/// Admission by prediction (Note [Admission by prediction]): the decision, and a job that is
/// refused or waits on a device that cannot give it its peak.
@Suite("Admission by prediction")
struct AdmissionTests {
    static let mib = 1 << 20

    @Test func runsUnloadsWaitsOrRefuses() {
        func decide(free: Int, cached: Int = 0, idle: [(id: String, bytes: Int)] = [], capacity: Int = 1 << 40) -> AdmissionDecision {
            AdmissionInput(predictedBytes: 100 * Self.mib, freeBytes: free * Self.mib, cachedBytes: cached * Self.mib,
                           idleModels: idle, capacityBytes: capacity).decision
        }
        #expect(decide(free: 60, cached: 40) == .run)
        // Only as many idle models as needed, least recently used first.
        #expect(decide(free: 50, idle: [("old", 30 << 20), ("older", 30 << 20), ("newest", 30 << 20)]) == .runAfterUnloading(["old", "older"]))
        guard case .wait(let reason) = decide(free: 50, idle: [("old", 10 << 20)], capacity: 200 * Self.mib) else {
            Issue.record("a job the device could hold later waits"); return
        }
        #expect(reason.contains("needs 100.0 MiB (104,857,600 bytes)") && reason.contains("60.0 MiB"))
        guard case .refuse(let message) = decide(free: 50, capacity: 80 * Self.mib) else {
            Issue.record("a job no emptier device could hold is refused"); return
        }
        #expect(message.contains("needs about 100.0 MiB") && message.contains("at most 80.0 MiB (83,886,080 bytes)"))
    }

    /// A service on the tiny model, loaded and profiled, on host memory of `capacity` bytes.
    static func service(capacity: Int? = nil) async throws -> (TranscriptionService, CachingAllocator, HostMemory, URL, URL, Int, Int) {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        let host = HostMemory(capacityBytes: capacity)
        let allocator = try CachingAllocator(backend: host)
        let registry = ModelRegistry(models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: CPUBackend(allocator: allocator, threads: 1))
        let service = TranscriptionService(registry: registry, memoryWaitLimit: .seconds(20))
        let engine = try await registry.acquire("tiny").engine
        let profile = try #require(await registry.ensureMemoryProfile(of: "tiny", engine))
        registry.release("tiny")
        _ = allocator.emptyCache()
        let audio = root.appendingPathComponent("clip.wav")
        try JobQueueWorkersTests.wav(seconds: 2, seed: 6).write(to: audio)
        return (service, allocator, host, root, audio, profile.peakBytes(promptTokens: 4), max(profile.peakBytes(promptTokens: 4), profile.reservedBytes))
    }

    @Test func aJobNoEmptierDeviceCouldHoldIsRefusedNamingTheBytes() async throws {
        let (service, allocator, _, root, audio, predicted, needed) = try await Self.service()
        defer { try? FileManager.default.removeItem(at: root) }
        // The allocator may have the weights and half of what a job needs.
        let total = Double(allocator.deviceMemory().totalBytes)
        try allocator.setMemoryFraction(Double(allocator.usage().reservedBytes + needed / 2) / total)
        let memory = Mutex<JobMemory?>(nil)
        await #expect {
            _ = try await service.transcribe(path: audio.path, named: nil, modelID: "tiny", options: .init(temperatures: [0]),
                                             onMemory: { used in memory.withLock { $0 = used } })
        } throws: { error in
            guard let error = error as? ServiceError else { return false }
            return error.code == .outOfMemory && error.apiCode == "insufficient_memory" && error.message.contains("needs about")
        }
        #expect(memory.withLock { $0 }?.predictedPeakBytes == predicted, "the prediction is kept with the refused job")
    }

    @Test func aJobWaitsWhileAnotherProcessHoldsTheMemoryThenRuns() async throws {
        let (service, allocator, host, root, audio, predicted, needed) = try await Self.service(capacity: 256 << 20)
        defer { try? FileManager.default.removeItem(at: root) }
        // Another process takes all but half of what the job needs, outside Auris's allocator.
        let taken = allocator.deviceMemory().freeBytes - needed / 2
        let other = try #require(try host.allocate(byteCount: taken))
        let reasons = Mutex<[String?]>([])
        let memory = Mutex<JobMemory?>(nil)
        let job = Task {
            try await service.transcribe(path: audio.path, named: nil, modelID: "tiny", options: .init(temperatures: [0]),
                                         onMemory: { used in memory.withLock { $0 = used } },
                                         onWait: { reason in reasons.withLock { $0.append(reason) } })
        }
        var waited = false
        for _ in 0..<200 where !waited {
            waited = reasons.withLock { !$0.isEmpty }
            if !waited { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(waited, "the job says it waits")
        host.free(address: other, byteCount: taken)
        _ = try await job.value
        let said = reasons.withLock { $0 }
        #expect(said.first??.contains("waiting for memory: needs") == true && said.last! == nil, "\(said)")
        let used = try #require(memory.withLock { $0 })
        #expect(used.waitMilliseconds > 0 && used.predictedPeakBytes == predicted)
    }
}
