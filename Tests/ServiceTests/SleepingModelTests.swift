import DeviceMemory
import Foundation
import Service
import Tensor
import TensorTestKit
import Testing
import Whisper
import WhisperTestKit

/// Sleep and wake (Note [Sleeping models]): on a second host allocator standing in for a GPU,
/// a sleeping model leaves the device empty, and waking it, by hand or by a job, brings back
/// the same weights: the same transcript, bit for bit.
@Suite("Sleeping models")
struct SleepingModelTests {
    @Test(arguments: [ComputeType.float32, .float16, .int8])
    func aSleepingModelLeavesTheDeviceAndWakesTheSame(type: ComputeType) async throws {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let device = try CachingAllocator(backend: HostMemory())
        let backend = Relabelled(base: CPUBackend(allocator: device, threads: 1), device: .cuda(1))
        let registry = ModelRegistry(models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: backend, defaultComputeType: type)
        let service = TranscriptionService(registry: registry)
        let audio = root.appendingPathComponent("clip.wav")
        try JobQueueWorkersTests.wav(seconds: 3, seed: 4).write(to: audio)
        func transcribe() async throws -> String {
            try await service.transcribe(path: audio.path, named: nil, modelID: "tiny", options: DecodingOptions(temperatures: [0]))
                .transcript.text
        }

        let awake = try await transcribe()
        let weights = registry.list()[0].bytesHeld
        let slept = try await registry.sleep("tiny")
        // The image is the weights' allocation as asked for; the allocator's block may round it up.
        #expect(slept.weightBytes == weights && slept.hostBytes > 0 && slept.hostBytes <= weights)
        #expect(device.usage().allocatedBytes == 0, "the weights left the device")
        _ = device.emptyCache()
        #expect(device.usage().reservedBytes == 0)
        let asleep = registry.list()[0]
        #expect(asleep.sleeping && !asleep.loaded && asleep.hostBytes == slept.hostBytes && asleep.computeType == type)
        #expect(try await registry.sleep("tiny").weightBytes == 0, "asleep already: nothing more leaves")

        // A job for a sleeping model wakes it, in the type it slept in.
        #expect(try await transcribe() == awake)
        let woken = registry.list()[0]
        #expect(woken.loaded && !woken.sleeping && woken.computeType == type && woken.bytesHeld == weights)
        #expect((woken.lastWakeMilliseconds ?? -1) >= 0)

        // By hand too; and unloading a sleeping model drops its host copy.
        _ = try await registry.sleep("tiny")
        #expect(try await registry.wake("tiny").loaded)
        #expect(try await transcribe() == awake)
        _ = try await registry.sleep("tiny")
        #expect(try registry.unload("tiny") == 0)
        #expect(!registry.list()[0].sleeping && registry.list()[0].hostBytes == 0)
    }

    @Test func onlyALoadedIdleModelGoesToSleep() async throws {
        let (root, modelDirectory) = try JobQueueWorkersTests.tinyModel()
        defer { try? FileManager.default.removeItem(at: root) }
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let registry = ModelRegistry(models: ["tiny": modelDirectory], defaultModelID: "tiny", backend: backend)
        await #expect { _ = try await registry.sleep("tiny") } throws: { ($0 as? ServiceError)?.code == .modelNotLoaded }
        await #expect { _ = try await registry.sleep("nope") } throws: { ($0 as? ServiceError)?.code == .unknownModel }
        _ = try await registry.acquire("tiny")
        await #expect { _ = try await registry.sleep("tiny") } throws: { ($0 as? ServiceError)?.code == .modelBusy }
        registry.release("tiny")
        _ = try await registry.sleep("tiny")
    }
}
