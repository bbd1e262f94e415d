import Foundation
import NIOCore
import Uploads
import Testing

/// The upload's multipart reader (Note [Our own multipart reader]): the same parts however the
/// body is cut into chunks, and every malformation an error, never a trap.
@Suite("Multipart reader")
struct MultipartReaderTests {
    struct Part: Equatable {
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    /// Reads `body` in chunks of `chunk` bytes; the parts, and whether it was whole.
    static func read(_ body: [UInt8], boundary: String = "XyZ", chunk: Int) throws(MultipartReader.Malformed) -> [Part] {
        final class Collected { var parts: [Part] = []; var current = Part() }
        let collected = Collected()
        var reader = MultipartReader(boundary: boundary)
        reader.onHeader = { collected.current.headers[$0] = $1 }
        reader.onBody = { collected.current.body += $0.readableBytesView }
        reader.onPartComplete = { collected.parts.append(collected.current); collected.current = Part() }
        var offset = 0
        while offset < body.count {
            try reader.feed(ByteBuffer(bytes: body[offset..<min(offset + chunk, body.count)]))
            offset += chunk
        }
        try reader.finish()
        return collected.parts
    }

    /// Binary content with line breaks and near-delimiters in it: all of it must come through.
    static let audio: [UInt8] = Array("RIFF\r\n--Xy\r\n-\r\n--XyY not quite".utf8) + (0..<600).map { UInt8(truncatingIfNeeded: $0 * 7) } + [13, 10, 45]

    static let form: [UInt8] = Array("preamble to ignore\r\n--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ntiny\r\n--XyZ  \r\n".utf8)
        + Array("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        + audio + Array("\r\n--XyZ--\r\nepilogue to ignore".utf8)

    @Test("the same parts whatever the chunk size", arguments: [1, 2, 3, 7, 16, 64, 1000, 100_000])
    func chunking(chunk: Int) throws {
        let parts = try Self.read(Self.form, chunk: chunk)
        #expect(parts.count == 2)
        #expect(parts[0].headers["Content-Disposition"] == "form-data; name=\"model\"" && parts[0].body == Array("tiny".utf8))
        #expect(parts[1].headers["Content-Type"] == "audio/wav")
        #expect(parts[1].body == Self.audio)
    }

    @Test("a body may open with its delimiter, and a part may be empty")
    func noPreamble() throws {
        let body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--XyZ--".utf8)
        let parts = try Self.read(body, chunk: 5)
        #expect(parts.count == 1 && parts[0].body.isEmpty)
    }

    /// MultipartKit trapped on this one byte (0xFF in a header name), stopping the server.
    @Test("malformed bodies are errors", arguments: [
        ("a byte above 0x7F in a header name", "--XyZ\r\nCont\u{FF}ent-Disposition: x\r\n\r\nabc\r\n--XyZ--"),
        ("a header line without a colon", "--XyZ\r\nContent-Disposition form-data\r\n\r\nabc\r\n--XyZ--"),
        ("a header name with a space", "--XyZ\r\nContent Disposition: form-data\r\n\r\nabc\r\n--XyZ--"),
        ("no delimiter at all", "just some text, no parts"),
        ("cut off inside a part", "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nRIFF...."),
        ("cut off inside the headers", "--XyZ\r\nContent-Disposition: form-da"),
        ("a delimiter followed by text", "--XyZjunk\r\n\r\n--XyZ--"),
    ])
    func malformed(_ reason: String, _ text: String) {
        var bytes = Array(text.utf8)
        if let marker = text.unicodeScalars.firstIndex(of: "\u{FF}") {
            // The raw byte 0xFF, not its UTF-8 encoding.
            let prefix = String(text.unicodeScalars[..<marker]).utf8.count
            bytes = Array(text.utf8.prefix(prefix)) + [0xFF] + Array(String(text.unicodeScalars[text.unicodeScalars.index(after: marker)...]).utf8)
        }
        for chunk in [1, 4, 1000] {
            #expect(throws: MultipartReader.Malformed.self, "\(reason), chunks of \(chunk)") { try Self.read(bytes, chunk: chunk) }
        }
    }

    @Test("a header section over 16 KiB is refused before it is held")
    func boundedHeaders() {
        let body = Array("--XyZ\r\nX-Long: ".utf8) + [UInt8](repeating: 65, count: 20_000)
        #expect(throws: MultipartReader.Malformed.self) { try Self.read(body, chunk: 4096) }
    }
}
