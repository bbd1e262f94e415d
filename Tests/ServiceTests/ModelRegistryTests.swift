import DeviceMemory
import Foundation
import Service
import Synchronization
import Tensor
import TensorTestKit
import Testing
import Whisper
import WhisperTestKit

/// The registry's loads: off its lock and off the cooperative pool, shared by concurrent
/// requests for the same model and type, and never in the way of readers.
@Suite("Model registry")
struct ModelRegistryTests {
    /// A CPU backend that counts weight matrices made and, when gated, holds the first one
    /// until the test opens the gate: a load "in progress" for as long as the test wants.
    final class GatedBackend: ForwardingBackend, @unchecked Sendable {
        let base: any ComputeBackend
        let made = Atomic<Int>(0)
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let gated: Bool
        init(gated: Bool) throws {
            base = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
            self.gated = gated
        }
        func makeWeights(_ type: ComputeType, rows: Int, columns: Int, in arena: WeightArena?,
                         fill: (WeightDestination) throws -> Void) throws -> WeightMatrix {
            if made.add(1, ordering: .relaxed).newValue == 1 && gated {
                entered.signal()
                gate.wait()
            }
            return try base.makeWeights(type, rows: rows, columns: columns, in: arena, fill: fill)
        }
    }

    static func model() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auris-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try TinyWhisperModel.write(to: directory, seed: 11)
        return directory
    }

    @Test func concurrentRequestsForOneModelShareOneLoad() async throws {
        let directory = try Self.model()
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = try GatedBackend(gated: false)
        _ = try await ModelRegistry(models: ["tiny": directory], defaultModelID: "tiny", backend: single).load("tiny")
        let perLoad = single.made.load(ordering: .relaxed)

        let backend = try GatedBackend(gated: false)
        let registry = ModelRegistry(models: ["tiny": directory], defaultModelID: "tiny", backend: backend)
        let engines = try await withThrowingTaskGroup(of: WhisperEngine.self) { group in
            for _ in 0..<4 { group.addTask { try await registry.acquire("tiny").engine } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(backend.made.load(ordering: .relaxed) == perLoad, "four requests, one load")
        #expect(Set(engines.map { ObjectIdentifier($0) }).count == 1)
        #expect(registry.list().first?.activeJobs == 4)
    }

    @Test func readersDoNotWaitForALoad() async throws {
        let directory = try Self.model()
        defer { try? FileManager.default.removeItem(at: directory) }
        let backend = try GatedBackend(gated: true)
        let registry = ModelRegistry(models: ["tiny": directory], defaultModelID: "tiny", backend: backend)
        let loading = Task { try await registry.load("tiny") }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { backend.entered.wait(); continuation.resume() }
        }
        // The load is inside its first weight now, and stays there until the gate opens.
        #expect(registry.list().first?.loaded == false)
        #expect(registry.residentModels().isEmpty && registry.unloadAll().isEmpty)
        backend.gate.signal()
        #expect(try await loading.value.loaded == true)
    }

    @Test func anotherComputeTypeIsRefusedWhileTheModelWorks() async throws {
        let directory = try Self.model()
        defer { try? FileManager.default.removeItem(at: directory) }
        let registry = ModelRegistry(models: ["tiny": directory], defaultModelID: "tiny", backend: try GatedBackend(gated: false))
        _ = try await registry.acquire("tiny", computeType: .float16)
        let error = await #expect(throws: ServiceError.self) { try await registry.load("tiny", computeType: .int8) }
        #expect(error?.code == .modelBusy)
        registry.release("tiny")
        #expect(try await registry.load("tiny", computeType: .int8).computeType == .int8, "idle, it reloads")
    }

    @Test func aDamagedModelIsUnreadableNotAnEngineFailure() async throws {
        let directory = try Self.model()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("damaged".utf8).write(to: directory.appendingPathComponent("model.bin"))
        let registry = ModelRegistry(models: ["tiny": directory], defaultModelID: "tiny", backend: try GatedBackend(gated: false))
        let error = await #expect(throws: ServiceError.self) { try await registry.acquire(nil) }
        #expect(error?.code == .modelUnreadable && error?.message.contains("model.bin") == true, "\(error?.message ?? "")")
        #expect(registry.list().first?.loaded == false)
        // Requests that joined a failed load get its error too.
        let outcomes = await withTaskGroup(of: ServiceError.Code?.self) { group in
            for _ in 0..<3 { group.addTask { do { _ = try await registry.acquire(nil); return nil } catch { return (error as? ServiceError)?.code } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == [.modelUnreadable, .modelUnreadable, .modelUnreadable])
    }
}
