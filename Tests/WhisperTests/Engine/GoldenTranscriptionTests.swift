import Foundation
import Testing
import Whisper

/// Auris's transcripts against faster-whisper's on the same model and clips: the text must be
/// identical and every segment boundary within 0.02 s.
@Suite("Golden transcripts", .serialized, .enabled(if: GoldenFixtures.modelAvailable, GoldenFixtures.skipReason))
struct GoldenTranscriptionTests {
    static let engine = Result { try GoldenFixtures.makeEngine().0 }

    @Test("committed clips", arguments: GoldenFixtures.references.filter(\.committed))
    func committedClip(reference: GoldenFixtures.Reference) throws {
        try compare(reference)
    }

    /// The multi-minute clips are not committed: the script remakes them, byte for byte (it
    /// checks their hashes), from the pinned espeak-ng and sox.
    @Test("generated multi-minute clips")
    func generatedClips() throws {
        let generated = GoldenFixtures.references.filter { !$0.committed }
        try #require(!generated.isEmpty)
        let script = GoldenFixtures.packageRoot.appendingPathComponent("scripts/golden/make-clips.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--generated"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "make-clips.py --generated exited \(process.terminationStatus) (2 = different bytes than the references were made from)")
        for reference in generated { try compare(reference) }
    }

    func compare(_ reference: GoldenFixtures.Reference) throws {
        let engine = try Self.engine.get()
        let transcript = try engine.transcribe(path: GoldenFixtures.clipPath(reference), options: GoldenFixtures.goldenOptions)
        #expect(transcript.text == reference.text, "\(reference.file)")
        #expect(transcript.segments.count == reference.segments.count, "\(reference.file): segment count")
        for (ours, theirs) in zip(transcript.segments, reference.segments) {
            #expect(ours.text == theirs.text, "\(reference.file)")
            #expect(abs(ours.start - theirs.start) <= 0.02 && abs(ours.end - theirs.end) <= 0.02,
                    "\(reference.file): [\(ours.start), \(ours.end)] vs faster-whisper [\(theirs.start), \(theirs.end)]")
        }
    }
}
