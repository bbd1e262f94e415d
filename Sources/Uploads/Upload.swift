import Foundation

/// Uploaded audio files, streamed to disk, plus the form fields that came with them.
public struct Upload: Sendable {
    public struct File: Sendable {
        public let url: URL
        /// The name the client gave the file, if any.
        public let originalName: String?
        public let byteCount: Int
    }

    public let files: [File]
    public let fields: [String: String]

    /// Deletes what was written (the files a job has taken over are gone already).
    public func remove() {
        for file in files { try? FileManager.default.removeItem(at: file.url) }
    }
}

/// Why an upload was refused. This module knows no HTTP framework (so that the fuzzers link it
/// without the server); the server turns each reason into its status and the API's error shape.
public struct UploadRefusal: Error, Equatable, Sendable {
    public enum Reason: Sendable {
        /// What the client sent is malformed or not what the route takes: 400.
        case badRequest
        /// Over the request's size limit: 413.
        case tooLarge
        /// The server cannot write the upload where it keeps uploads: 500.
        case cannotSpool
    }

    public let reason: Reason
    public let code: String
    public let message: String

    public init(_ reason: Reason, code: String, _ message: String) {
        self.reason = reason
        self.code = code
        self.message = message
    }

    public static func tooLarge(_ limitBytes: Int) -> UploadRefusal {
        UploadRefusal(.tooLarge, code: "upload_too_large",
            "uploads are limited to \(limitBytes / (1 << 20)) MiB per request; split the recording or raise --max-upload-mb")
    }
}
