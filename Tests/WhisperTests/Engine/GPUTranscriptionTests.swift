import DeviceMemory
import GPU
import Tensor
import Testing
import Whisper

/// The golden clips on the first GPU: the same text and segments as on the CPU, and nothing
/// but the weights (and cuBLAS's workspace) left allocated after each clip.
@Suite("Golden transcripts on CUDA", .serialized,
       .enabled(if: !DeviceDiscovery.discover().cuda.isEmpty, "needs a machine with an NVIDIA GPU"),
       .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct GPUTranscriptionTests {
    @Test("committed clips match the CPU's transcripts")
    func committedClips() throws {
        let directory = try #require(GoldenFixtures.modelDirectory)
        let allocators = try DeviceAllocators(configuration: .default)
        let gpu = try WhisperEngine(directory: directory, backend: ComputeBackends.open(.cuda(0), allocators: allocators, threads: 1))
        let cpu = try GoldenFixtures.makeEngine().0
        let allocator = gpu.model.backend.allocator
        let resident = allocator.stats().allocatedBytes.all.current
        for reference in GoldenFixtures.references.filter(\.committed) {
            let path = GoldenFixtures.clipPath(reference)
            let onGPU = try gpu.transcribe(path: path, options: GoldenFixtures.goldenOptions)
            let onCPU = try cpu.transcribe(path: path, options: GoldenFixtures.goldenOptions)
            #expect(onGPU.text == onCPU.text, "\(reference.file)")
            #expect(onGPU.segments.map(\.text) == onCPU.segments.map(\.text), "\(reference.file)")
            #expect(allocator.stats().allocatedBytes.all.current == resident, "\(reference.file): memory left allocated")
        }
    }
}
