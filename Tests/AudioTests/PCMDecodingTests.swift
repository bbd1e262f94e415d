import Audio
import Foundation
import Testing

/// WAV through libsndfile: every integer width and float type, channel averaging, exactness.
@Suite("PCM decoding")
struct PCMDecodingTests {
    /// faster-whisper feeds its model `Int16 / 32768`; 16 kHz mono 16-bit input must match it bit
    /// for bit. Every one of the 65 536 Int16 values is checked.
    @Test func int16MonoAt16kIsExactlyDividedBy32768() throws {
        let fixtures = try Fixtures()
        let codes = (Int(Int16.min)...Int(Int16.max)).map(Double.init)
        let file = try fixtures.write("all16.wav", WAV.bytes(codes, encoding: .int16, sampleRate: 16000, channels: 1))
        let stream = try AudioDecoder.open(path: file)
        #expect(stream.sourceDescription == "WAV, 16000 Hz, 1 ch, 16-bit")
        #expect(stream.source.decoder == .libsndfile)
        var samples: [Float] = []
        while case let chunk = try stream.read(maxFrames: 10_000), !chunk.isEmpty { samples += chunk }
        try #require(samples.count == codes.count)
        let mismatches = zip(samples, codes).filter { $0.bitPattern != (Float($1) / 32768).bitPattern }
        #expect(mismatches.isEmpty, "first mismatch: \(String(describing: mismatches.first))")
        #expect(samples.first == -1 && samples.last == Float(32767) / 32768)
    }

    @Test(arguments: [
        (WAVEncoding.uint8, [-128.0, -1, 0, 1, 127], 128.0, "8-bit unsigned"),
        (.int24, [-8_388_608, -1, 0, 1, 4_242_424, 8_388_607], 8_388_608, "24-bit"),
        (.int32, [-2_147_483_648, -1, 0, 1, 1_234_567_891, 2_147_483_647], 2_147_483_648, "32-bit"),
    ])
    func integerWidthsScaleBy2ToTheBitsMinus1(encoding: WAVEncoding, codes: [Double], scale: Double, name: String) throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write("int.wav", WAV.bytes(codes, encoding: encoding, sampleRate: 16000, channels: 1))
        let stream = try AudioDecoder.open(path: file)
        #expect(stream.sourceDescription == "WAV, 16000 Hz, 1 ch, \(name)")
        let samples = try AudioDecoder.readAll(path: file)
        #expect(samples == codes.map { Float($0) / Float(scale) })
    }

    @Test(arguments: [WAVEncoding.float32, .float64])
    func floatWAVPassesValuesThrough(encoding: WAVEncoding) throws {
        let fixtures = try Fixtures()
        let values = [-1.0, -0.25, 0, 1e-7, 0.333333333333, 0.999]
        let file = try fixtures.write("float.wav", WAV.bytes(values, encoding: encoding, sampleRate: 16000, channels: 1))
        #expect(try AudioDecoder.readAll(path: file) == values.map { Float($0) })
        let expected = encoding == .float32 ? "32-bit float" : "64-bit float"
        #expect(try AudioDecoder.open(path: file).sourceDescription == "WAV, 16000 Hz, 1 ch, \(expected)")
    }

    @Test func stereoIsAveragedToMono() throws {
        let fixtures = try Fixtures()
        // Interleaved (left, right) Int16 codes.
        let frames: [(Double, Double)] = [(1000, 3000), (-32768, 32767), (0, -2), (16384, 16384)]
        let file = try fixtures.write(
            "stereo.wav", WAV.bytes(frames.flatMap { [$0.0, $0.1] }, encoding: .int16, sampleRate: 16000, channels: 2))
        let samples = try AudioDecoder.readAll(path: file)
        #expect(samples == frames.map { (Float($0.0) / 32768 + Float($0.1) / 32768) / 2 })
        #expect(try AudioDecoder.open(path: file).source.channels == 2)
    }

    @Test func sixChannelsAreAveraged() throws {
        let fixtures = try Fixtures()
        let frame: [Double] = [0.5, -0.5, 0.25, 0.25, 0.125, 0.375]
        let file = try fixtures.write(
            "surround.wav", WAV.bytes(frame + frame, encoding: .float32, sampleRate: 16000, channels: 6))
        // The channels sum to exactly 1 in Float32, so each frame is 1/6.
        #expect(try AudioDecoder.readAll(path: file) == [Float(1) / 6, Float(1) / 6])
    }

    @Test func chunkedReadsEqualReadAllAndAreFullUntilTheEnd() throws {
        let fixtures = try Fixtures()
        let tone = WAV.sine(frequency: 440, seconds: 1.3, sampleRate: 44100)
        let file = try fixtures.write("tone.wav", WAV.bytes(tone, encoding: .float32, sampleRate: 44100, channels: 1))
        let whole = try AudioDecoder.readAll(path: file)
        for size in [1, 7, 1000, 4096, 100_000] {
            let stream = try AudioDecoder.open(path: file)
            var joined: [Float] = []
            var sizes: [Int] = []
            while case let chunk = try stream.read(maxFrames: size), !chunk.isEmpty {
                joined += chunk
                sizes.append(chunk.count)
            }
            #expect(joined == whole, "chunk size \(size)")
            #expect(sizes.dropLast().allSatisfy { $0 == size }, "only the last chunk may be short (size \(size))")
            #expect(stream.framesRead == whole.count)
            #expect(try stream.read(maxFrames: size).isEmpty, "reads after the end stay empty")
        }
    }

    // ffmpeg only makes the FLAC; libsndfile decodes it.
    @Test(.enabled(if: Tools.ffmpegRuns, "ffmpeg is not installed, so no FLAC can be made"))
    func flacDecodesLosslesslyLikeTheWAV() throws {
        let fixtures = try Fixtures()
        let codes = WAV.sine(frequency: 300, seconds: 0.5, sampleRate: 16000).map { ($0 * 32767).rounded() }
        let wav = try fixtures.write("tone.wav", WAV.bytes(codes, encoding: .int16, sampleRate: 16000, channels: 1))
        let flac = try fixtures.ffmpeg(wav, to: "tone.flac")
        let stream = try AudioDecoder.open(path: flac)
        #expect(stream.source.decoder == .libsndfile)
        #expect(stream.sourceDescription.hasPrefix("FLAC, 16000 Hz, 1 ch"))
        #expect(try AudioDecoder.readAll(path: flac) == AudioDecoder.readAll(path: wav))
    }
}
