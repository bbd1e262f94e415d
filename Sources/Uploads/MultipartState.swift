import Foundation
import NIOCore

/// The multipart reader's callbacks collect into this; the async loop drains it into the sink
/// (the callbacks cannot throw or await).
public final class MultipartState: @unchecked Sendable {
    // @unchecked: used from the one task that reads the request body.
    private enum Piece { case fileStart(String?), fileBytes(ByteBuffer) }
    private var headers: [String: String] = [:]
    private var pending: [Piece] = []
    private var fieldBytes: [UInt8] = []
    private var fields: [String: String] = [:]
    public private(set) var sawFilePart = false
    private var inFilePart = false
    private var fieldOverflow = false
    /// Bytes of every form field so far: fields are held in memory, files are not.
    private var fieldTotal = 0

    /// A field other than a file may hold this many bytes, and all of them together `fieldsLimit`.
    public static let fieldLimit = 64 << 10
    public static let fieldsLimit = 1 << 20

    static let fileFieldNames: Set<String> = ["file", "files", "file[]", "files[]"]

    public init() {}

    public func header(_ name: String, _ value: String) { headers[name.lowercased()] = value }

    private var partName: String? { Self.parameter("name", in: headers["content-disposition"]) }
    private var isFilePart: Bool { partName.map(Self.fileFieldNames.contains) ?? false }

    public func body(_ buffer: ByteBuffer) {
        if isFilePart {
            if !inFilePart {
                inFilePart = true
                sawFilePart = true
                pending.append(.fileStart(Self.parameter("filename", in: headers["content-disposition"])))
            }
            pending.append(.fileBytes(buffer))
        } else if fieldBytes.count + buffer.readableBytes <= Self.fieldLimit,
                  fieldTotal + buffer.readableBytes <= Self.fieldsLimit {
            fieldBytes += buffer.readableBytesView
            fieldTotal += buffer.readableBytes
        } else {
            fieldOverflow = true
        }
    }

    public func partComplete() {
        if isFilePart, !inFilePart {
            // An empty file part still counts as a file (and is refused as empty).
            sawFilePart = true
            pending.append(.fileStart(Self.parameter("filename", in: headers["content-disposition"])))
        }
        if !isFilePart, let name = partName {
            let value = String(decoding: fieldBytes, as: UTF8.self)
            // A list field (`timestamp_granularities[]`) sent as several parts keeps every value.
            if name.hasSuffix("[]"), let earlier = fields[name] {
                fields[name] = earlier + "," + value
            } else {
                fields[name] = value
            }
        }
        headers = [:]
        fieldBytes = []
        inFilePart = false
    }

    public func flush(into sink: inout UploadSink) throws {
        if fieldOverflow {
            throw UploadRefusal(.badRequest, code: "field_too_large",
                                "a form field other than 'file' is over 64 KiB, or all of them over 1 MiB")
        }
        for piece in pending {
            switch piece {
            case .fileStart(let name): try sink.startFile(named: name)
            case .fileBytes(let buffer): try sink.write(buffer)
            }
        }
        pending = []
        sink.fields = fields
    }

    /// `key`'s value in a header of `value; key=value; …` form (Content-Disposition, Content-Type).
    public static func parameter(_ key: String, in header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == key { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
