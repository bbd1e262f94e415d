import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// An uploaded audio file, streamed to a temporary file, plus the form fields that came with it.
struct Upload: Sendable {
    let file: URL
    let originalName: String?
    let fields: [String: String]
    let byteCount: Int

    func remove() { try? FileManager.default.removeItem(at: file) }
}

/// Receives an upload — `multipart/form-data` with a `file` part, or the raw audio as the body —
/// writing it to disk as it arrives, so that a file of hundreds of MB never sits in memory.
/// Stops with 413 as soon as the limit is passed, and deletes what it wrote.
struct UploadReceiver: Sendable {
    let directory: URL
    let limitBytes: Int

    func receive(_ request: Request) async throws -> Upload {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = directory.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: target.path, contents: nil) else {
            throw APIError(.internalServerError, code: "spool_failed", "cannot write uploads to \(directory.path)")
        }
        let handle = try FileHandle(forWritingTo: target)
        var sink = UploadSink(handle: handle, limitBytes: limitBytes)
        do {
            let contentType = request.headers[.contentType] ?? ""
            if let boundary = Self.boundary(contentType) {
                try await receiveMultipart(request, boundary: boundary, into: &sink)
            } else {
                for try await buffer in request.body { try sink.write(buffer) }
                sink.fileName = request.uri.queryParameters["filename"].map(String.init)
            }
            try handle.close()
            guard sink.fileBytes > 0 else {
                throw APIError(.badRequest, code: "empty_upload",
                    "no audio received: send the file as the request body, or as the 'file' field of a multipart form")
            }
            return Upload(file: target, originalName: sink.fileName, fields: sink.fields, byteCount: sink.fileBytes)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: target)
            throw error
        }
    }

    private func receiveMultipart(_ request: Request, boundary: String, into sink: inout UploadSink) async throws {
        let parser = MultipartParser(boundary: boundary)
        let state = MultipartState()
        parser.onHeader = { name, value in state.header(name, value) }
        parser.onBody = { buffer in state.body(buffer) }
        parser.onPartComplete = { state.partComplete() }
        for try await buffer in request.body {
            try parser.execute(buffer)
            try state.flush(into: &sink)
        }
        try state.flush(into: &sink)
        guard state.sawFilePart else {
            throw APIError(.badRequest, code: "missing_file", "the multipart form has no 'file' field with the audio")
        }
    }

    static func boundary(_ contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}

/// Where received bytes go: the file, within the size limit.
struct UploadSink {
    let handle: FileHandle
    let limitBytes: Int
    var fileBytes = 0
    var fileName: String?
    var fields: [String: String] = [:]

    mutating func write(_ buffer: ByteBuffer) throws {
        fileBytes += buffer.readableBytes
        guard fileBytes <= limitBytes else {
            throw APIError(.contentTooLarge, code: "upload_too_large",
                "uploads are limited to \(limitBytes / (1 << 20)) MiB; split the recording or raise --max-upload-mb")
        }
        handle.write(Data(buffer.readableBytesView))
    }
}

/// The multipart parser's callbacks collect into this; the async loop drains it into the sink
/// (the callbacks cannot throw or await).
final class MultipartState: @unchecked Sendable {
    // @unchecked: used from the one task that reads the request body.
    private var headers: [String: String] = [:]
    private var pendingFileChunks: [ByteBuffer] = []
    private var fieldBytes: [UInt8] = []
    private var fields: [String: String] = [:]
    private(set) var sawFilePart = false
    private var fileName: String?
    private var fieldOverflow = false

    func header(_ name: String, _ value: String) { headers[name.lowercased()] = value }

    private var partName: String? { Self.parameter("name", in: headers["content-disposition"]) }
    private var isFilePart: Bool { partName == "file" }

    func body(_ buffer: ByteBuffer) {
        if isFilePart {
            sawFilePart = true
            fileName = fileName ?? Self.parameter("filename", in: headers["content-disposition"])
            pendingFileChunks.append(buffer)
        } else if fieldBytes.count + buffer.readableBytes <= 64 << 10 {
            fieldBytes += buffer.readableBytesView
        } else {
            fieldOverflow = true
        }
    }

    func partComplete() {
        if !isFilePart, let name = partName { fields[name] = String(decoding: fieldBytes, as: UTF8.self) }
        headers = [:]
        fieldBytes = []
    }

    func flush(into sink: inout UploadSink) throws {
        if fieldOverflow { throw APIError(.badRequest, code: "field_too_large", "a form field other than 'file' is over 64 KiB") }
        for chunk in pendingFileChunks { try sink.write(chunk) }
        pendingFileChunks = []
        sink.fileName = fileName
        sink.fields = fields
    }

    static func parameter(_ key: String, in disposition: String?) -> String? {
        guard let disposition else { return nil }
        for part in disposition.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == key { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
