import DeviceMemory
import Foundation
@testable import Service
import Tensor
import TensorTestKit
import Testing
import Whisper

/// Note [Which worker runs a job]: a job that names no device goes to an idle worker that has
/// its model resident, else to the least loaded one.
@Suite("Job placement")
struct JobPlacementTests {
    @Test func theRuleResidentThenLeastAllocatedThenTheAskingWorker() {
        let resident = WorkerCandidate(hasModelResident: true, allocatedBytes: 900)
        let light = WorkerCandidate(hasModelResident: false, allocatedBytes: 100)
        let heavy = WorkerCandidate(hasModelResident: false, allocatedBytes: 500)
        #expect(JobPlacement.best(among: [heavy, light, resident], preferring: 0) == 2, "the model's device wins over a lighter one")
        #expect(JobPlacement.best(among: [heavy, light], preferring: 0) == 1, "else the least allocated")
        #expect(JobPlacement.best(among: [light, light, light], preferring: 2) == 2, "among equals, the worker that asks")
        #expect(JobPlacement.best(among: [light, light], preferring: nil) == 0, "else the first")
        #expect(JobPlacement.best(among: [], preferring: nil) == nil)
    }

    @Test func aJobGoesToTheDeviceThatHasItsModel() async throws {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let services = try Self.twoDevices(models: ["tiny": modelDirectory])
        _ = try await services[1].registry.load("tiny")
        let devices = try await Self.runJobsOneAfterAnother(4, model: "tiny", on: services, root: root)
        #expect(devices == Array(repeating: "cuda:1", count: 4), "cuda:1 has the model loaded; cpu would have to load it")
        #expect(!services[0].registry.isResident("tiny"), "nothing was loaded on the other device")
    }

    @Test func elseTheLeastLoadedDevice() async throws {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let services = try Self.twoDevices(models: ["tiny": modelDirectory, "other": modelDirectory])
        _ = try await services[0].registry.load("other")
        let devices = try await Self.runJobsOneAfterAnother(4, model: "tiny", on: services, root: root)
        #expect(devices == Array(repeating: "cuda:1", count: 4), "cpu holds another model's weights; cuda:1 held nothing, then the model")
    }

    /// A CPU worker and a CPU worker that calls itself cuda:1.
    static func twoDevices(models: [String: URL]) throws -> [TranscriptionService] {
        let backends: [any ComputeBackend] = [
            CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1),
            Relabelled(base: CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1), device: .cuda(1)),
        ]
        return backends.map { TranscriptionService(registry: ModelRegistry(models: models, defaultModelID: "tiny", backend: $0)) }
    }

    /// Runs `count` jobs, each submitted when the one before has finished (so that both workers
    /// are idle every time, and either could find it first); returns where each ran.
    static func runJobsOneAfterAnother(_ count: Int, model: String, on services: [TranscriptionService], root: URL) async throws -> [String?] {
        let queue = JobQueue(store: try SQLiteStore(), services: services)
        let worker = Task { try await queue.run() }
        var devices: [String?] = []
        for index in 0..<count {
            let audio = root.appendingPathComponent("clip-\(index).wav")
            try JobQueueWorkersTests.wav(seconds: 1, seed: index).write(to: audio)
            let job = JobRecord(fileName: "clip.wav", audioPath: audio.path, parameters: JobParameters(model: model, temperatures: [0]))
            try await queue.submit([job])
            devices.append(try await queue.result(of: job.id).device)
        }
        queue.stop()
        try await worker.value
        return devices
    }
}
