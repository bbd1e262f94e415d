/// The one error type of the audio module: a code to branch on and a message a user can act on.
///
/// Every message names the file (by the name the caller gave, see `AudioDecoder.open(path:named:options:)`)
/// and says what was found and what to do about it, so a server can pass it straight to the client.
public struct AudioError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// No file exists at the path.
        case fileNotFound = "file_not_found"
        /// The path exists but cannot be read: a directory, no permission, an I/O error on open.
        case unreadable
        /// The file holds no audio samples: zero bytes, or a valid header with no data after it.
        case empty
        /// The file is not audio, or is audio in a form neither libsndfile nor ffmpeg decodes.
        case unsupportedFormat = "unsupported_format"
        /// The file ends inside its header, so not even the format can be known.
        ///
        /// A file whose header is whole but whose data stops early is not an error: what exists is
        /// decoded (as ffmpeg does) and `AudioStream.warnings` says that the file was cut short.
        case truncated
        /// Decoding started but failed part-way: a read error, a corrupt stream, the resampler.
        case decodeFailed = "decode_failed"
        /// The file needs ffmpeg and no ffmpeg executable was found.
        case ffmpegMissing = "ffmpeg_missing"
        /// ffmpeg ran and failed; the message carries what it printed.
        case ffmpegFailed = "ffmpeg_failed"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
