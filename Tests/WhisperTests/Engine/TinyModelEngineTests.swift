import DeviceMemory
import Foundation
import Tensor
import TensorTestKit
import Testing
import Whisper
import WhisperTestKit

/// The whole engine on tiny random-weight models in every stored type: loading, a full
/// transcription, and memory returning to the weights — in milliseconds, without the real model.
@Suite("Engine on tiny generated models")
struct TinyModelEngineTests {
    static let clip = GoldenFixtures.goldenDirectory.appendingPathComponent("clips/en-us_hello.wav").path

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auris-tiny-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(arguments: ModelQuantization.allCases)
    func transcribesWithEveryStoredType(quantization: ModelQuantization) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory, dataType: quantization, seed: 7)
        let allocator = try CachingAllocator(backend: HostMemory())
        let engine = try WhisperEngine(directory: directory, backend: CPUBackend(allocator: allocator, threads: 2))
        #expect(allocator.usage().allocatedBytes == engine.model.weightBytes)
        var options = GoldenFixtures.goldenOptions
        options.language = engine.isMultilingual ? "en" : options.language
        let transcript = try engine.transcribe(path: Self.clip, options: options)
        #expect(transcript.duration > 3 && transcript.duration < 4)
        #expect(transcript.segments.allSatisfy { $0.start <= $0.end })
        #expect(allocator.usage().allocatedBytes == engine.model.weightBytes, "inference returned every block")
    }

    @Test(arguments: ComputeType.allCases)
    func transcribesInEveryComputeType(computeType: ComputeType) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory, dataType: .float16, seed: 3)
        let allocator = try CachingAllocator(backend: HostMemory())
        let engine = try WhisperEngine(directory: directory, backend: CPUBackend(allocator: allocator, threads: 2), computeType: computeType)
        #expect(engine.model.computeType == computeType)
        #expect(allocator.stats().segment.all.current == 1, "every weight in one allocation (Note [One allocation per model])")
        _ = try engine.transcribe(path: Self.clip, options: GoldenFixtures.goldenOptions)
        #expect(allocator.usage().allocatedBytes == engine.model.weightBytes, "inference returned every block")
        let report = allocator.emptyCache()
        #expect(report.after.allocatedBytes == engine.model.weightBytes)
        #expect(allocator.stats().segment.all.current == 1, "a clear gives back every segment but the weights'")
    }

    @Test func timingsCountWindowsAndDecoderCallsAndStartAfresh() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory, dataType: .float32, seed: 5)
        let engine = try WhisperEngine(directory: directory, backend: CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1))
        #expect(engine.model.takeTimings() == EngineTimings())
        _ = try engine.transcribe(path: Self.clip, options: GoldenFixtures.goldenOptions)
        let timings = engine.model.takeTimings()
        #expect(timings.windowsEncoded == 1, "a 3.5 s clip is one window")
        #expect(timings.decoderCalls >= 2, "the prompt, then at least one step")
        #expect(timings.encodeSeconds > 0 && timings.decoderQueueSeconds > 0 && timings.decoderWaitSeconds >= 0)
        #expect(engine.model.takeTimings() == EngineTimings(), "taking the timings starts them afresh")
    }

    @Test func compactTypesHoldFewerBytesAndTheDefaultIsFloat16() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory, dataType: .float32, seed: 4)
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let bytes = try ComputeType.allCases.map { try WhisperEngine(directory: directory, backend: backend, computeType: $0).model.weightBytes }
        #expect(bytes[0] > bytes[1] && bytes[1] > bytes[2], "float32 \(bytes[0]) > float16 \(bytes[1]) > int8 \(bytes[2])")
        #expect(try WhisperEngine(directory: directory, backend: backend).model.computeType == .float16)
    }

    /// A device that multiplies only float32 (a GPU, today) refuses the compact types by name.
    @Test func aBackendWithoutTheTypeRefusesIt() throws {
        struct Float32Only: ForwardingBackend {
            let base: any ComputeBackend
            var computeTypes: [ComputeType] { [.float32] }
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory, seed: 5)
        let backend = Float32Only(base: CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1))
        let error = #expect(throws: WhisperError.self) { try WhisperEngine(directory: directory, backend: backend, computeType: .int8) }
        #expect(error?.code == .invalidOptions && error?.message.contains("int8") == true, "\(error?.message ?? "")")
        #expect(try WhisperEngine(directory: directory, backend: backend).model.computeType == .float32, "its default is what it has")
    }

    @Test func missingAndDamagedModelsNameTheFile() throws {
        let backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 1)
        let missing = URL(fileURLWithPath: "/nonexistent/auris-model")
        let missingError = #expect(throws: (any Error).self) { try WhisperEngine(directory: missing, backend: backend) }
        #expect("\(missingError.map { "\($0)" } ?? "")".contains("/nonexistent/auris-model"))

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try TinyWhisperModel.write(to: directory)
        let model = directory.appendingPathComponent("model.bin")
        let bytes = try Data(contentsOf: model)
        try bytes.prefix(bytes.count / 2).write(to: model)
        let damagedError = #expect(throws: (any Error).self) { try WhisperEngine(directory: directory, backend: backend) }
        let message = damagedError.map { "\($0)" } ?? ""
        #expect(message.contains("model.bin"), "\(message)")
    }
}
