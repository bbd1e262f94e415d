import Foundation
import Service
import Hummingbird
import NIOCore
import Uploads

extension Upload {
    /// The files as the service takes them.
    var intakeFiles: [Intake.File] { files.map { Intake.File(url: $0.url, originalName: $0.originalName) } }
}

extension APIError {
    init(_ refusal: UploadRefusal) {
        let status: HTTPResponse.Status = switch refusal.reason {
        case .badRequest: .badRequest
        case .tooLarge: .contentTooLarge
        case .cannotSpool: .internalServerError
        }
        self.init(status, code: refusal.code, refusal.message)
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
            throw APIError(UploadRefusal.tooLarge(limitBytes))
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
        } catch let refusal as UploadRefusal {
            sink.abandon()
            throw APIError(refusal)
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
        return MultipartState.parameter("boundary", in: contentType)
    }
}

