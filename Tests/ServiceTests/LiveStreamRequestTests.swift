import Foundation
import Testing
@testable import Service

/// A live stream's start message: defaults, every field read into its type, and each bad one
/// refused naming it (the codes the WebSocket sends before closing with 1008).
@Suite("Live stream start message")
struct LiveStreamRequestTests {
    @Test func defaults() throws {
        let request = try LiveStreamRequest(json: #"{"type": "start"}"#)
        #expect(request == LiveStreamRequest())
        #expect(request.sampleRate == 16_000 && request.encoding == .pcm16 && request.endSilenceMs == 500)
    }

    @Test func everyField() throws {
        let request = try LiveStreamRequest(json: """
            {"type": "start", "model": "whisper-tiny.en", "language": "en", "task": "transcribe", "device": "cpu",
             "sample_rate": 48000, "encoding": "pcm_f32le", "word_timestamps": true, "hotwords": "Auris",
             "end_silence_ms": 800, "partial_interval_ms": 300, "keep_alive": 60}
            """)
        #expect(request.model == "whisper-tiny.en" && request.language == "en" && request.task == .transcribe)
        #expect(request.device == .cpu && request.sampleRate == 48_000 && request.encoding == .float32)
        #expect(request.wordTimestamps && request.hotwords == "Auris" && request.keepAlive == .seconds(60))
        #expect(request.endSilenceMs == 800 && request.partialIntervalMs == 300)
        let settings = request.settings(multilingual: false)
        #expect(settings.endSilenceMs == 800 && settings.partialIntervalMs == 300 && settings.decoding.wordTimestamps)
        #expect(request.jobParameters.hotwords == "Auris")
    }

    @Test("bad fields are refused by name", arguments: [
        ("not json", "invalid_start"),
        (#"{"type": "begin"}"#, "invalid_start"),
        (#"{"sample_rate": 5}"#, "invalid_sample_rate"),
        (#"{"sample_rate": 16000.5}"#, "invalid_sample_rate"),
        (#"{"encoding": "mp3"}"#, "invalid_encoding"),
        (#"{"end_silence_ms": 50}"#, "invalid_end_silence_ms"),
        (#"{"partial_interval_ms": "soon"}"#, "invalid_partial_interval_ms"),
        (#"{"word_timestamps": "yes"}"#, "invalid_word_timestamps"),
        (#"{"task": "summarise"}"#, "invalid_task"),
        (#"{"device": "tpu:0"}"#, "invalid_device"),
        (#"{"model": 3}"#, "invalid_model"),
        (#"{"colour": "blue"}"#, "invalid_colour"),
    ])
    func badFields(json: String, code: String) {
        #expect {
            try LiveStreamRequest(json: json)
        } throws: { error in
            (error as? ServiceError)?.apiCode == code
        }
    }

    @Test("PCM bytes become samples in either encoding")
    func samples() {
        let pcm16: [UInt8] = [0x00, 0x40, 0x00, 0xC0]  // 16384, -16384
        #expect(LiveStream.samples(pcm16, encoding: .pcm16) == [0.5, -0.5])
        let float = Float(0.25).bitPattern
        let pcm32: [UInt8] = [UInt8(float & 0xff), UInt8(float >> 8 & 0xff), UInt8(float >> 16 & 0xff), UInt8(float >> 24)]
        #expect(LiveStream.samples(pcm32, encoding: .float32) == [0.25])
    }
}
