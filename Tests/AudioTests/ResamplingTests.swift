import Audio
import Foundation
import Testing

/// Rates other than 16 kHz go through libsoxr; 16 kHz is never touched.
@Suite("Resampling")
struct ResamplingTests {
    @Test func downsamples44100KeepingLengthAndPitch() throws {
        let fixtures = try Fixtures()
        let tone = WAV.sine(frequency: 440, seconds: 2, sampleRate: 44100)
        let codes = tone.map { ($0 * 8_388_607).rounded() }
        let file = try fixtures.write("tone.wav", WAV.bytes(codes, encoding: .int24, sampleRate: 44100, channels: 1))
        let stream = try AudioDecoder.open(path: file)
        #expect(stream.sourceDescription == "WAV, 44100 Hz, 1 ch, 24-bit")
        #expect(stream.durationSeconds == 2)
        let samples = try AudioDecoder.readAll(path: file)
        #expect(abs(samples.count - 32000) <= 2, "\(samples.count) samples for 2 s")
        // 440 Hz crosses zero 880 times a second; the count skips 2000 edge samples (0.125 s).
        let expected = 880.0 * Double(samples.count - 2000) / 16000
        #expect(abs(Double(Signal.zeroCrossings(samples)) - expected) <= 2)
        #expect(abs(Signal.rms(samples) - 0.5 / 2.0.squareRoot()) < 0.005, "amplitude kept")
    }

    @Test func stereo48kIsAveragedThenResampled() throws {
        let fixtures = try Fixtures()
        let left = WAV.sine(frequency: 1000, seconds: 1, sampleRate: 48000)
        let interleaved = left.flatMap { [$0, $0] }
        let file = try fixtures.write("st.wav", WAV.bytes(interleaved, encoding: .float32, sampleRate: 48000, channels: 2))
        let samples = try AudioDecoder.readAll(path: file)
        #expect(abs(samples.count - 16000) <= 2)
        #expect(abs(Double(Signal.zeroCrossings(samples)) - 2000.0 * Double(samples.count - 2000) / 16000) <= 2)
    }

    /// A proper band-limited resampler removes what 16 kHz cannot hold instead of folding it back.
    @Test func toneAboveTheNewNyquistIsRemovedNotAliased() throws {
        let fixtures = try Fixtures()
        let tone = WAV.sine(frequency: 11_000, seconds: 1, sampleRate: 44100)
        let file = try fixtures.write("high.wav", WAV.bytes(tone, encoding: .float32, sampleRate: 44100, channels: 1))
        let samples = try AudioDecoder.readAll(path: file)
        #expect(Signal.rms(samples) < 0.001, "11 kHz should vanish at 16 kHz, not alias to 5 kHz")
    }

    @Test func upsamples8k() throws {
        let fixtures = try Fixtures()
        let tone = WAV.sine(frequency: 300, seconds: 1.5, sampleRate: 8000)
        let file = try fixtures.write("low.wav", WAV.bytes(tone.map { ($0 * 32767).rounded() }, encoding: .int16, sampleRate: 8000, channels: 1))
        let samples = try AudioDecoder.readAll(path: file)
        #expect(abs(samples.count - 24000) <= 2)
        #expect(abs(Double(Signal.zeroCrossings(samples)) - 600.0 * Double(samples.count - 2000) / 16000) <= 2)
    }

    @Test(arguments: ResamplerQuality.allCases)
    func everyQualityKeepsLength(quality: ResamplerQuality) throws {
        let fixtures = try Fixtures()
        let tone = WAV.sine(frequency: 440, seconds: 1, sampleRate: 22050)
        let file = try fixtures.write("t.wav", WAV.bytes(tone, encoding: .float32, sampleRate: 22050, channels: 1))
        let samples = try AudioDecoder.readAll(path: file, options: .init(resamplerQuality: quality))
        #expect(abs(samples.count - 16000) <= 2)
    }

    @Test func rateTooFarFrom16kHzIsRefused() throws {
        let fixtures = try Fixtures()
        let file = try fixtures.write("slow.wav", WAV.bytes([0, 1, 2, 3], encoding: .int16, sampleRate: 20, channels: 1))
        let error = #expect(throws: AudioError.self) { try AudioDecoder.open(path: file) }
        #expect(error?.code == .unsupportedFormat)
        #expect(error?.message.contains("20 Hz") == true, "\(error?.message ?? "")")
    }
}
