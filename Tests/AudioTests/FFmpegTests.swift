import Audio
import Foundation
import Testing

/// Files libsndfile does not read go to an ffmpeg child process. The real-ffmpeg tests skip when
/// ffmpeg is not installed; the failure paths use stand-in scripts, so they always run.
@Suite("ffmpeg")
struct FFmpegTests {
    /// A 2-second 440 Hz tone at 44.1 kHz stereo, encoded by ffmpeg as `name`.
    private func encodedTone(_ fixtures: Fixtures, _ name: String, _ arguments: [String] = []) throws -> String {
        let tone = WAV.sine(frequency: 440, seconds: 2, sampleRate: 44100)
        let wav = try fixtures.write("src.wav", WAV.bytes(tone.flatMap { [$0, $0] }, encoding: .float32, sampleRate: 44100, channels: 2))
        return try fixtures.ffmpeg(wav, to: name, arguments)
    }

    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func mp3IsDecodedByFFmpeg() throws {
        let fixtures = try Fixtures()
        let mp3 = try encodedTone(fixtures, "tone.mp3")
        let stream = try AudioDecoder.open(path: mp3)
        #expect(stream.source.decoder == .ffmpeg)
        #expect(stream.source.container == "MP3")
        #expect(stream.source.sampleRate == 44100 && stream.source.channels == 2)
        #expect(stream.sourceDescription.hasSuffix("(via ffmpeg)"))
        let samples = try AudioDecoder.readAll(path: mp3)
        #expect(abs(samples.count - 32000) <= 1152, "\(samples.count) samples for 2 s")
        #expect(abs(Double(Signal.zeroCrossings(samples)) - 880.0 * Double(samples.count - 2000) / 16000) <= 4)
    }

    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func chunkedFFmpegReadsEqualReadAll() throws {
        let fixtures = try Fixtures()
        let m4a = try encodedTone(fixtures, "tone.m4a")
        let whole = try AudioDecoder.readAll(path: m4a)
        let stream = try AudioDecoder.open(path: m4a)
        var joined: [Float] = []
        while case let chunk = try stream.read(maxFrames: 3333), !chunk.isEmpty { joined += chunk }
        #expect(joined == whole)
        #expect(stream.source.container == "MP4/M4A")
    }

    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func int16OutputIsQuantisedLikeFasterWhisper() throws {
        let fixtures = try Fixtures()
        let mp3 = try encodedTone(fixtures, "tone.mp3")
        let samples = try AudioDecoder.readAll(path: mp3, options: .init(ffmpegSampleFormat: .int16))
        #expect(!samples.isEmpty)
        #expect(samples.allSatisfy { ($0 * 32768).rounded() == $0 * 32768 })
    }

    /// Without ffmpeg, MP3 still decodes: libsndfile reads it too.
    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed, so no MP3 can be made"))
    func mp3FallsBackToLibsndfileWithoutFFmpeg() throws {
        let fixtures = try Fixtures()
        let mp3 = try encodedTone(fixtures, "tone.mp3")
        let stream = try AudioDecoder.open(path: mp3, options: .init(searchPath: fixtures.directory.path))
        #expect(stream.source.decoder == .libsndfile)
        let samples = try AudioDecoder.readAll(path: mp3, options: .init(searchPath: fixtures.directory.path))
        #expect(abs(samples.count - 32000) <= 1152)
    }

    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func videoWithoutAudioSaysSo() throws {
        let fixtures = try Fixtures()
        let video = fixtures.path("silent.mkv")
        try Tools.run(Tools.ffmpegPath, ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=16x16:d=0.2", "-c:v", "ffv1", video])
        let error = #expect(throws: AudioError.self) { try AudioDecoder.open(path: video, named: "clip.mkv") }
        #expect(error?.code == .unsupportedFormat)
        #expect(error?.message.contains("'clip.mkv' has no audio track") == true, "\(error?.message ?? "")")
    }

    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func closingEarlyStopsFFmpegPromptly() throws {
        let fixtures = try Fixtures()
        let mp3 = try encodedTone(fixtures, "tone.mp3")
        let stream = try AudioDecoder.open(path: mp3)
        #expect(try stream.read(maxFrames: 100).count == 100)
        let start = Date()
        stream.close()
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(try stream.read(maxFrames: 100).isEmpty)
    }

    @Test(arguments: [(searchPath: true, path: nil as String?), (searchPath: false, path: "/nonexistent/ffmpeg")])
    func missingFFmpegSaysHowToInstallIt(searchPath: Bool, path: String?) throws {
        let fixtures = try Fixtures()
        // An MP4 signature is enough: libsndfile refuses it, so ffmpeg would be needed.
        let m4a = try fixtures.write("voice.m4a", [0, 0, 0, 0x18] + Array("ftypM4A \0\0\0\0M4A isom".utf8) + [UInt8](repeating: 7, count: 200))
        let options = AudioDecoder.Options(ffmpeg: path ?? "ffmpeg", searchPath: searchPath ? fixtures.directory.path : nil)
        let error = #expect(throws: AudioError.self) { try AudioDecoder.open(path: m4a, named: "voice.m4a", options: options) }
        #expect(error?.code == .ffmpegMissing)
        for phrase in ["'voice.m4a'", "MP4/M4A", "apt-get install ffmpeg", "convert the file to WAV"] {
            #expect(error?.message.contains(phrase) == true, "\(phrase) missing from: \(error?.message ?? "")")
        }
    }

    @Test func ffmpegFailureCarriesItsStderr() throws {
        let fixtures = try Fixtures()
        let fake = try fixtures.script("ffmpeg", "echo 'boom: the codec exploded' >&2; exit 3")
        let webm = try fixtures.write("talk.webm", [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 1, count: 100))
        let error = #expect(throws: AudioError.self) {
            try AudioDecoder.open(path: webm, options: .init(ffmpeg: fake, describeWithFFprobe: false))
        }
        #expect(error?.code == .decodeFailed)
        #expect(error?.message.contains("boom: the codec exploded") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("exit status 3") == true)
    }

    /// ffmpeg's own words reach clients, but not its heap addresses or repeated lines.
    @Test func ffmpegWordsLoseTheirHeapAddresses() throws {
        let fixtures = try Fixtures()
        let fake = try fixtures.script("ffmpeg", """
            echo '[pcm_s16le @ 0x55958585edc0] Decoder requires channel count but channels not set' >&2
            echo '    Last message repeated 1 times' >&2
            echo 'Error while opening decoder for input stream #0:0 : Invalid argument' >&2
            exit 1
            """)
        let webm = try fixtures.write("talk.webm", [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 1, count: 100))
        let error = #expect(throws: AudioError.self) {
            try AudioDecoder.open(path: webm, options: .init(ffmpeg: fake, describeWithFFprobe: false))
        }
        let message = error?.message ?? ""
        #expect(error?.code == .decodeFailed)
        #expect(message.contains("[pcm_s16le] Decoder requires channel count"), "\(message)")
        #expect(!message.contains("0x") && !message.contains("repeated"), "\(message)")
    }

    /// A WAV header that claims 0 channels is the file's fault: refused as bad audio, in words
    /// without ffmpeg's internals.
    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed"))
    func aWAVWithNoChannelsIsBadAudio() throws {
        let fixtures = try Fixtures()
        var header = WAV.bytes([Double](repeating: 0, count: 800), encoding: .int16, sampleRate: 16000, channels: 1)
        header[22] = 0   // channel count
        let path = try fixtures.write("none.wav", header)
        let error = #expect(throws: AudioError.self) { _ = try AudioDecoder.readAll(path: path) }
        #expect(error?.code != .ffmpegFailed, "\(error?.message ?? "")")
        #expect(!(error?.message.contains(" @ 0x") ?? true), "\(error?.message ?? "")")
    }

    @Test func ffmpegProducingNothingIsEmpty() throws {
        let fixtures = try Fixtures()
        let fake = try fixtures.script("ffmpeg", "exit 0")
        let webm = try fixtures.write("talk.webm", [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 1, count: 100))
        let error = #expect(throws: AudioError.self) { try AudioDecoder.open(path: webm, options: .init(ffmpeg: fake)) }
        #expect(error?.code == .empty)
    }

    /// The stand-in writes 6 Float32 samples; the stream must hand them over unchanged.
    @Test func ffmpegOutputIsReadAsFloat32() throws {
        let fixtures = try Fixtures()
        let values: [Float] = [0, 0.5, -0.5, 1, -1, 0.125]
        let raw = try fixtures.write("raw.f32", values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } })
        let fake = try fixtures.script("ffmpeg", "exec /bin/cat '\(raw)'")
        let webm = try fixtures.write("talk.webm", [0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 1, count: 100))
        let stream = try AudioDecoder.open(path: webm, options: .init(ffmpeg: fake))
        #expect(stream.source.decoder == .ffmpeg)
        #expect(try stream.read(maxFrames: 4) == Array(values[0..<4]))
        #expect(try stream.read(maxFrames: 4) == Array(values[4...]))
        #expect(try stream.read(maxFrames: 4) == [])
    }
}
