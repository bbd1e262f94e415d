import Foundation
import NIOCore
import NIOFoundationCompat

/// Where received bytes go: one file after another, within the request's size limit.
public struct UploadSink {
    public let directory: URL
    public let limitBytes: Int
    public let allowMany: Bool
    private var totalBytes = 0
    private var files: [Upload.File] = []
    private var current: (handle: FileHandle, url: URL, name: String?, bytes: Int)?
    public var fields: [String: String] = [:]

    public init(directory: URL, limitBytes: Int, allowMany: Bool) {
        self.directory = directory
        self.limitBytes = limitBytes
        self.allowMany = allowMany
    }

    public mutating func startFile(named name: String?) throws {
        try closeCurrent()
        guard allowMany || files.isEmpty else {
            throw UploadRefusal(.badRequest, code: "too_many_files", "this route takes one file; send several to /api/batches")
        }
        let url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            if errno == ENOSPC || errno == EDQUOT { throw POSIXError(.ENOSPC) }
            throw UploadRefusal(.cannotSpool, code: "spool_failed", "cannot write uploads to \(directory.path)")
        }
        current = (try FileHandle(forWritingTo: url), url, name, 0)
    }

    public mutating func write(_ buffer: ByteBuffer) throws {
        totalBytes += buffer.readableBytes
        guard totalBytes <= limitBytes else { throw UploadRefusal.tooLarge(limitBytes) }
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

    public mutating func finish() throws -> Upload {
        try closeCurrent()
        return Upload(files: files, fields: fields)
    }

    /// Deletes everything written, after a failure.
    public mutating func abandon() {
        if let open = current {
            try? open.handle.close()
            try? FileManager.default.removeItem(at: open.url)
            current = nil
        }
        Upload(files: files, fields: [:]).remove()
        files = []
    }
}
