@testable import Audio
import Testing

/// The first-bytes detection and the WAV chunk walk, without files.
@Suite("Signatures and WAV layout")
struct SignatureTests {
    @Test(arguments: [
        (Array("RIFF\0\0\0\0WAVEfmt ".utf8), FileSignature.wav),
        (Array("RF64\0\0\0\0WAVEds64".utf8), .rf64),
        (Array("RIFF\0\0\0\0AVI LIST".utf8), .avi),
        (Array("fLaC\0\0\0\"".utf8), .flac),
        (Array("OggS\0\u{2}".utf8), .ogg),
        (Array("ID3\u{4}\0\0".utf8), .mp3),
        ([0xFF, 0xFB, 0x90, 0x64], .mp3),
        ([0xFF, 0xF1, 0x50, 0x80], .adts),
        ([0, 0, 0, 0x20] + Array("ftypisom".utf8), .mp4),
        ([0x1A, 0x45, 0xDF, 0xA3, 0x9F], .matroska),
        (Array("just words\n".utf8), .text),
        (Array("  <html><head>".utf8), .html),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A], .png),
        ([UInt8](repeating: 0, count: 512), .unknown),
        ([0x00, 0x01, 0xFE, 0x80], .unknown),
    ])
    func detects(bytes: [UInt8], expected: FileSignature) {
        #expect(FileSignature.detect(bytes) == expected)
    }

    /// UTF-8 text cut in the middle of a character at the 512-byte boundary is still text.
    @Test func textCutMidCharacterIsText() {
        let text = Array(String(repeating: "é", count: 300).utf8).prefix(511)
        #expect(FileSignature.detect(Array(text)) == .text)
    }

    private func walk(_ bytes: [UInt8]) -> RIFFLayout.Outcome {
        RIFFLayout.inspect(fileSize: bytes.count) { offset, count in
            offset + count <= bytes.count ? Array(bytes[offset..<offset + count]) : nil
        }
    }

    @Test func findsDataAfterOddSizedChunks() {
        // A 3-byte LIST chunk is padded to 4; the data chunk follows the pad byte.
        let bytes =
            Array("RIFF\0\0\0\0WAVE".utf8) + Array("LIST".utf8) + [3, 0, 0, 0, 1, 2, 3, 0]
            + Array("data".utf8) + [8, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        #expect(walk(bytes) == .layout(RIFFLayout(dataOffset: 32, declaredDataBytes: 8)))
    }

    @Test func streamingAndRF64SizesAreNotDeclared() {
        let streaming = Array("RIFF\0\0\0\0WAVEdata".utf8) + [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(walk(streaming) == .layout(RIFFLayout(dataOffset: 20, declaredDataBytes: nil)))
        let rf64 = Array("RF64\0\0\0\0WAVEdata".utf8) + [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(walk(rf64) == .layout(RIFFLayout(dataOffset: 20, declaredDataBytes: nil)))
    }

    @Test func headerCutShortIsTruncatedAndOtherFilesAreNotRIFF() {
        #expect(walk(Array("RIFF\0\0".utf8)) == .headerTruncated)
        #expect(walk(Array("RIFF\0\0\0\0WAVEfmt \u{10}\0\0\0".utf8)) == .headerTruncated)
        #expect(walk(Array("OggS and more bytes".utf8)) == .notRIFF)
    }

    @Test func missingBytesCountsWhatTheHeaderPromisedBeyondTheFile() {
        let layout = RIFFLayout(dataOffset: 44, declaredDataBytes: 1000)
        #expect(layout.missingBytes(fileSize: 544) == 500)
        #expect(layout.missingBytes(fileSize: 2000) == 0)
        #expect(RIFFLayout(dataOffset: 44, declaredDataBytes: nil).missingBytes(fileSize: 50) == 0)
    }

    @Test func sourceDescriptionReadsLikeTheBrief() {
        let info = AudioSourceInfo(
            container: "WAV", encoding: "24-bit", sampleRate: 44100, channels: 2, durationSeconds: 1, decoder: .libsndfile)
        #expect(info.description == "WAV, 44100 Hz, 2 ch, 24-bit")
    }
}
