import Foundation
import Service
import Hummingbird
import NIOCore

/// Uploaded audio files, streamed to disk, plus the form fields that came with them.
struct Upload: Sendable {
    /// The files as the service takes them.
    var intakeFiles: [Intake.File] { files.map { Intake.File(url: $0.url, originalName: $0.originalName) } }

    struct File: Sendable {
        let url: URL
        /// The name the client gave the file, if any.
        let originalName: String?
        let byteCount: Int
    }

    let files: [File]
    let fields: [String: String]

    /// Deletes what was written (the files a job has taken over are gone already).
    func remove() {
        for file in files { try? FileManager.default.removeItem(at: file.url) }
    }
}

/// Receives an upload — `multipart/form-data` with one or more file parts (`file`, `files` or
/// `file[]`), or the raw audio as the body — writing each file to disk as it arrives, so that a
/// recording of hundreds of MB never sits in memory. Stops with 413 as soon as the request
/// passes the limit, and deletes what it wrote.
struct UploadReceiver: Sendable {
    let directory: URL
    let limitBytes: Int

    /// - Parameter allowMany: whether more than one file may come (batches).
    func receive(_ request: Request, allowMany: Bool = false) async throws -> Upload {
        // The declared length is checked before a byte is read: a client announcing 3 GiB is
        // refused at once, not after the server has written 2 GiB of it to disk.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limitBytes {
            throw UploadSink.tooLarge(limitBytes)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var sink = UploadSink(directory: directory, limitBytes: limitBytes, allowMany: allowMany)
        do {
            let contentType = request.headers[.contentType] ?? ""
            if contentType.lowercased().hasPrefix("multipart/") {
                guard let boundary = Self.boundary(contentType), !boundary.isEmpty else {
                    throw APIError(.badRequest, code: "malformed_multipart",
                        "the request says multipart/form-data but names no boundary (Content-Type: multipart/form-data; boundary=...)")
                }
                try await receiveMultipart(request, boundary: boundary, into: &sink)
            } else {
                try sink.startFile(named: request.uri.queryParameters["filename"].map(String.init))
                for try await buffer in request.body { try sink.write(buffer) }
            }
            let upload = try sink.finish()
            guard !upload.files.isEmpty, upload.files.allSatisfy({ $0.byteCount > 0 }) else {
                upload.remove()
                throw APIError(.badRequest, code: "empty_upload", allowMany
                    ? "no audio received: send the recordings as 'files' parts of a multipart form, one part per file"
                    : "no audio received: send the file as the request body, or as the 'file' field of a multipart form")
            }
            return upload
        } catch {
            sink.abandon()
            throw error
        }
    }

    private func receiveMultipart(_ request: Request, boundary: String, into sink: inout UploadSink) async throws {
        var reader = MultipartReader(boundary: boundary)
        let state = MultipartState()
        reader.onHeader = { name, value in state.header(name, value) }
        reader.onBody = { buffer in state.body(buffer) }
        reader.onPartComplete = { state.partComplete() }
        do {
            for try await buffer in request.body {
                try reader.feed(buffer)
                try state.flush(into: &sink)
            }
            try state.flush(into: &sink)
            try reader.finish()
        } catch let error as MultipartReader.Malformed {
            throw APIError(.badRequest, code: "malformed_multipart", error.reason)
        }
        guard state.sawFilePart else {
            throw APIError(.badRequest, code: "missing_file", sink.allowMany
                ? "the multipart form has no 'files' parts with the recordings"
                : "the multipart form has no 'file' field with the audio")
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

/// Where received bytes go: one file after another, within the request's size limit.
struct UploadSink {
    let directory: URL
    let limitBytes: Int
    let allowMany: Bool
    private var totalBytes = 0
    private var files: [Upload.File] = []
    private var current: (handle: FileHandle, url: URL, name: String?, bytes: Int)?
    var fields: [String: String] = [:]

    init(directory: URL, limitBytes: Int, allowMany: Bool) {
        self.directory = directory
        self.limitBytes = limitBytes
        self.allowMany = allowMany
    }

    mutating func startFile(named name: String?) throws {
        try closeCurrent()
        guard allowMany || files.isEmpty else {
            throw APIError(.badRequest, code: "too_many_files", "this route takes one file; send several to /api/batches")
        }
        let url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            if errno == ENOSPC || errno == EDQUOT { throw POSIXError(.ENOSPC) }
            throw APIError(.internalServerError, code: "spool_failed", "cannot write uploads to \(directory.path)")
        }
        current = (try FileHandle(forWritingTo: url), url, name, 0)
    }

    static func tooLarge(_ limitBytes: Int) -> APIError {
        APIError(.contentTooLarge, code: "upload_too_large",
            "uploads are limited to \(limitBytes / (1 << 20)) MiB per request; split the recording or raise --max-upload-mb")
    }

    mutating func write(_ buffer: ByteBuffer) throws {
        totalBytes += buffer.readableBytes
        guard totalBytes <= limitBytes else { throw Self.tooLarge(limitBytes) }
        guard current != nil else { return }
        current!.bytes += buffer.readableBytes
        // The throwing write: the old `write(_:)` traps on a full disk (Note [A disk that fills,
        // a store that is locked]).
        try current!.handle.write(contentsOf: buffer.readableBytesView)
    }

    private mutating func closeCurrent() throws {
        guard let open = current else { return }
        current = nil
        files.append(Upload.File(url: open.url, originalName: open.name, byteCount: open.bytes))
        try open.handle.close()
    }

    mutating func finish() throws -> Upload {
        try closeCurrent()
        return Upload(files: files, fields: fields)
    }

    /// Deletes everything written, after a failure.
    mutating func abandon() {
        if let open = current {
            try? open.handle.close()
            try? FileManager.default.removeItem(at: open.url)
            current = nil
        }
        Upload(files: files, fields: [:]).remove()
        files = []
    }
}

/// The multipart reader's callbacks collect into this; the async loop drains it into the sink
/// (the callbacks cannot throw or await).
final class MultipartState: @unchecked Sendable {
    // @unchecked: used from the one task that reads the request body.
    private enum Piece { case fileStart(String?), fileBytes(ByteBuffer) }
    private var headers: [String: String] = [:]
    private var pending: [Piece] = []
    private var fieldBytes: [UInt8] = []
    private var fields: [String: String] = [:]
    private(set) var sawFilePart = false
    private var inFilePart = false
    private var fieldOverflow = false

    static let fileFieldNames: Set<String> = ["file", "files", "file[]", "files[]"]

    func header(_ name: String, _ value: String) { headers[name.lowercased()] = value }

    private var partName: String? { Self.parameter("name", in: headers["content-disposition"]) }
    private var isFilePart: Bool { partName.map(Self.fileFieldNames.contains) ?? false }

    func body(_ buffer: ByteBuffer) {
        if isFilePart {
            if !inFilePart {
                inFilePart = true
                sawFilePart = true
                pending.append(.fileStart(Self.parameter("filename", in: headers["content-disposition"])))
            }
            pending.append(.fileBytes(buffer))
        } else if fieldBytes.count + buffer.readableBytes <= 64 << 10 {
            fieldBytes += buffer.readableBytesView
        } else {
            fieldOverflow = true
        }
    }

    func partComplete() {
        if isFilePart, !inFilePart {
            // An empty file part still counts as a file (and is refused as empty).
            sawFilePart = true
            pending.append(.fileStart(Self.parameter("filename", in: headers["content-disposition"])))
        }
        if !isFilePart, let name = partName { fields[name] = String(decoding: fieldBytes, as: UTF8.self) }
        headers = [:]
        fieldBytes = []
        inFilePart = false
    }

    func flush(into sink: inout UploadSink) throws {
        if fieldOverflow { throw APIError(.badRequest, code: "field_too_large", "a form field other than 'file' is over 64 KiB") }
        for piece in pending {
            switch piece {
            case .fileStart(let name): try sink.startFile(named: name)
            case .fileBytes(let buffer): try sink.write(buffer)
            }
        }
        pending = []
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
