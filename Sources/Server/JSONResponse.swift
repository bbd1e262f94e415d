import Foundation
import Hummingbird
import NIOCore

/// The API's response bodies: JSON (ISO 8601 dates, sorted keys) or text in a given media type.
enum JSONResponse {
    static func make(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, mediaType: String) -> Response {
        Response(status: .ok, headers: [.contentType: mediaType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
