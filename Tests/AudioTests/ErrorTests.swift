import Audio
import Foundation
import Testing

/// Files that cannot be decoded, or only partly, and what the user is told about them.
@Suite("Errors and damaged files")
struct ErrorTests {
    private func openError(_ path: String, named name: String? = nil, options: AudioDecoder.Options = .init()) -> AudioError? {
        #expect(throws: AudioError.self) { try AudioDecoder.open(path: path, named: name, options: options) }
    }

    @Test func missingFileIsNotFound() {
        let error = openError("/nonexistent/dir/talk.wav")
        #expect(error?.code == .fileNotFound)
        #expect(error?.message == "'/nonexistent/dir/talk.wav' does not exist")
    }

    @Test func directoryIsUnreadable() throws {
        let fixtures = try Fixtures()
        #expect(openError(fixtures.directory.path)?.code == .unreadable)
    }

    @Test func zeroByteFileIsEmpty() throws {
        let fixtures = try Fixtures()
        let error = openError(try fixtures.write("upload.wav", []), named: "upload.wav")
        #expect(error?.code == .empty)
        #expect(error?.message.contains("'upload.wav' is empty (0 bytes)") == true)
    }

    @Test func headerWithNoDataIsEmpty() throws {
        let fixtures = try Fixtures()
        let error = openError(try fixtures.write("h.wav", WAV.bytes([], encoding: .int16, sampleRate: 16000, channels: 1)))
        #expect(error?.code == .empty)
    }

    @Test(arguments: [
        ("notes.wav", "Hello, this is a transcript, not a recording.\n", "a text file"),
        ("page.mp3", "<!DOCTYPE html><html><body>404 Not Found</body></html>", "an HTML page"),
        ("scan.wav", "%PDF-1.7\n%\u{E2}\u{E3}", "a PDF document"),
    ])
    func nonAudioIsNamedForWhatItIs(name: String, content: String, what: String) throws {
        let fixtures = try Fixtures()
        let error = openError(try fixtures.write(name, Array(content.utf8)), named: name)
        #expect(error?.code == .unsupportedFormat)
        #expect(error?.message.contains("'\(name)' is not audio: it is \(what)") == true, "\(error?.message ?? "")")
    }

    /// Binary garbage: ffmpeg gets the last word, and says it is not audio; without ffmpeg the
    /// user is told that ffmpeg might have read it.
    @Test func garbageIsUnsupportedOrNeedsFFmpeg() throws {
        let fixtures = try Fixtures()
        var state: UInt32 = 12345
        let garbage = (0..<5000).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        let file = try fixtures.write("noise.wav", [0x00, 0x01] + garbage)
        if Tools.ffmpegRuns {
            let error = openError(file, named: "noise.wav")
            #expect(error?.code == .unsupportedFormat)
            #expect(error?.message.contains("'noise.wav' is not audio that libsndfile or ffmpeg can read") == true, "\(error?.message ?? "")")
        }
        let without = openError(file, options: .init(searchPath: fixtures.directory.path))
        #expect(without?.code == .ffmpegMissing)
        #expect(without?.message.contains("not in a format libsndfile reads") == true)
    }

    @Test func wavCutInsideItsHeaderIsTruncated() throws {
        let fixtures = try Fixtures()
        let whole = WAV.bytes([1, 2, 3], encoding: .int16, sampleRate: 16000, channels: 1)
        for length in [12, 20, 30, 40] {
            let error = openError(try fixtures.write("cut\(length).wav", Array(whole.prefix(length))), named: "cut.wav")
            #expect(error?.code == .truncated, "cut at \(length) bytes: \(String(describing: error))")
            #expect(error?.message.contains("'cut.wav' is a WAV file that ends inside its header") == true)
        }
    }

    /// A data chunk shorter than its header says: decode what exists (as ffmpeg does) and warn.
    @Test func wavWithShortDataDecodesWhatExistsAndWarns() throws {
        let fixtures = try Fixtures()
        let codes = (0..<10_000).map { Double($0 % 2000 - 1000) }
        let bytes = WAV.bytes(codes, encoding: .int16, sampleRate: 16000, channels: 1, declaredDataBytes: 64_000)
        let file = try fixtures.write("short.wav", bytes)
        let stream = try AudioDecoder.open(path: file, named: "short.wav")
        #expect(stream.durationSeconds == 10_000.0 / 16000)
        #expect(stream.warnings.count == 1)
        #expect(stream.warnings.first?.contains("'short.wav' is cut short") == true, "\(stream.warnings)")
        #expect(try AudioDecoder.readAll(path: file) == codes.map { Float($0) / 32768 })
    }

    /// `ffmpeg ... -f wav -` writes 0xFFFFFFFF as the data size, since it cannot seek back.
    @Test func streamingWAVWithUnknownSizeDecodesWithoutWarning() throws {
        let fixtures = try Fixtures()
        let codes = (0..<3000).map { Double($0 - 1500) }
        let bytes = WAV.bytes(codes, encoding: .int16, sampleRate: 16000, channels: 1, declaredDataBytes: 0xFFFF_FFFF)
        let file = try fixtures.write("piped.wav", bytes)
        let stream = try AudioDecoder.open(path: file)
        #expect(stream.warnings.isEmpty)
        #expect(try AudioDecoder.readAll(path: file) == codes.map { Float($0) / 32768 })
    }
}
