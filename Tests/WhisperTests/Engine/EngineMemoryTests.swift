import DeviceMemory
import Foundation
import Testing
import Whisper

/// Every byte the engine uses comes from the allocator, and a transcription gives it all back.
@Suite("Engine memory", .serialized, .enabled(if: GoldenFixtures.modelRuns, GoldenFixtures.skipReason))
struct EngineMemoryTests {
    @Test func transcriptionLeavesOnlyTheWeightsAllocated() throws {
        let (engine, allocator) = try GoldenFixtures.makeEngine()
        #expect(allocator.usage().allocatedBytes == engine.model.weightBytes, "after loading, only weights are allocated")
        let clip = try #require(GoldenFixtures.references.first { $0.file == "en-mixed_story_32s.wav" })
        _ = try engine.transcribe(path: GoldenFixtures.clipPath(clip), options: GoldenFixtures.goldenOptions)
        let stats = allocator.stats()
        #expect(stats.allocatedBytes.all.current == engine.model.weightBytes, "activations, caches and features were all returned")
        #expect(stats.allocatedBytes.all.peak > engine.model.weightBytes, "inference allocated through the allocator")
        #expect(stats.reservedBytes.all.current >= stats.allocatedBytes.all.current)
        let report = allocator.emptyCache()
        #expect(report.after.allocatedBytes == engine.model.weightBytes)
        #expect(report.releasedBytes == report.before.reservedBytes - report.after.reservedBytes)
    }
}
