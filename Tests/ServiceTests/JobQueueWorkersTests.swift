import DeviceMemory
import Foundation
import Service
import Tensor
import TensorTestKit
import Testing
import Whisper
import WhisperTestKit

/// With several devices, each has a worker: jobs are shared between them, none runs twice, and
/// every one finishes. Two CPU backends stand in for two GPUs.
@Suite("Job queue with several workers")
struct JobQueueWorkersTests {
    @Test func jobsAreSharedBetweenTheWorkers() async throws {
        let (root, modelDirectory) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let services = try (0..<2).map { _ in
            let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
            let registry = ModelRegistry(models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: backend)
            return TranscriptionService(registry: registry, metrics: JobMetrics())
        }
        let queue = JobQueue(store: try SQLiteStore(), services: services)
        let jobs = try (0..<6).map { index in
            let audio = root.appendingPathComponent("clip-\(index).wav")
            try Self.wav(seconds: 4, seed: index).write(to: audio)
            var parameters = JobParameters()
            parameters.temperatures = [0]
            return JobRecord(fileName: "clip-\(index).wav", audioPath: audio.path, parameters: parameters)
        }
        try await queue.submit(jobs)
        let worker = Task { try await queue.run() }
        for job in jobs {
            let finished = try await queue.result(of: job.id)
            #expect(finished.state == .done && finished.attempts == 1, "\(job.fileName)")
        }
        queue.stop()
        try await worker.value
        let counts = services.map { $0.metrics.snapshot.succeeded }
        #expect(counts.reduce(0, +) == 6, "every job ran once: \(counts)")
        #expect(counts.allSatisfy { $0 > 0 }, "both workers took jobs: \(counts)")
    }

    @Test func aJobThatNamesADeviceRunsThere() async throws {
        let (root, modelDirectory) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let cpu = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let backends: [any ComputeBackend] = [cpu, Relabelled(base: CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1), device: .cuda(1))]
        let services = backends.map { backend in
            TranscriptionService(registry: ModelRegistry(models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: backend))
        }
        let queue = JobQueue(store: try SQLiteStore(), services: services)
        let pins: [DeviceID?] = [.cuda(1), .cuda(1), nil, .cpu, .cuda(1), nil]
        let jobs = try pins.enumerated().map { index, pin in
            let audio = root.appendingPathComponent("clip-\(index).wav")
            try Self.wav(seconds: 2, seed: index).write(to: audio)
            return JobRecord(fileName: "clip-\(index).wav", audioPath: audio.path, parameters: JobParameters(temperatures: [0], device: pin))
        }
        try await queue.submit(jobs)
        let worker = Task { try await queue.run() }
        for (job, pin) in zip(jobs, pins) {
            let finished = try await queue.result(of: job.id)
            if let pin { #expect(finished.device == pin.description, "\(job.fileName) asked for \(pin)") }
        }
        queue.stop()
        try await worker.value
    }

    @Test func aJobForADeviceNoLongerServedFailsAtStart() async throws {
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let queue = JobQueue(store: try SQLiteStore(), service: TranscriptionService(
            registry: ModelRegistry(models: [:], defaultModelID: "none", backend: backend)))
        let job = JobRecord(fileName: "a.wav", audioPath: "/nonexistent/a.wav", parameters: JobParameters(device: .cuda(7)))
        try await queue.submit([job])
        let worker = Task { try await queue.run() }
        await #expect {
            _ = try await queue.result(of: job.id)
        } throws: { error in
            "\(error)".contains("asked for cuda:7") && "\(error)".contains("it serves cpu")
        }
        #expect(try await queue.store.job(job.id)?.attempts == 0, "it never started")
        queue.stop()
        try await worker.value
    }

    /// A fresh folder holding a tiny generated model in `tiny/`.
    static func tinyModel() throws -> (root: URL, model: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("auris-workers-\(UUID().uuidString)")
        let model = root.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        _ = try TinyWhisperModel.write(to: model, seed: 3)
        return (root, model)
    }

    /// 16 kHz mono 16-bit noise.
    static func wav(seconds: Int, seed: Int) -> Data {
        var state = UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15
        var samples = Data()
        for _ in 0..<(16_000 * seconds) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Int16(truncatingIfNeeded: Int(state >> 52) - 2048)
            withUnsafeBytes(of: value.littleEndian) { samples.append(contentsOf: $0) }
        }
        func le(_ value: UInt32) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
        func le16(_ value: UInt16) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
        var header = Data("RIFF".utf8) + le(UInt32(36 + samples.count)) + Data("WAVEfmt ".utf8)
        header += le(16) + le16(1) + le16(1) + le(16_000) + le(32_000) + le16(2) + le16(16)
        header += Data("data".utf8) + le(UInt32(samples.count))
        return header + samples
    }
}

/// A CPU backend that calls itself another device, so two workers can stand for two GPUs.
struct Relabelled: ForwardingBackend {
    let base: any ComputeBackend
    let device: DeviceID
}
