/// What the decoder learned about a file before converting it to 16 kHz mono.
public struct AudioSourceInfo: Sendable, Equatable, CustomStringConvertible {
    /// Which program decodes the file.
    public enum Decoder: String, Sendable, Codable {
        /// libsndfile, in this process: WAV, FLAC, Ogg Vorbis/Opus, AIFF, CAF, AU and more.
        case libsndfile
        /// An `ffmpeg` child process: MP3, M4A/AAC, WebM, video files and everything else.
        case ffmpeg
    }

    /// The container, such as "WAV", "FLAC", "MP4/M4A".
    public var container: String
    /// The sample encoding or codec, such as "24-bit", "32-bit float", "aac"; nil when unknown.
    public var encoding: String?
    /// The file's own sample rate in Hz; nil when unknown.
    public var sampleRate: Int?
    /// The file's own channel count; nil when unknown.
    public var channels: Int?
    /// The length of the audio in seconds; nil when unknown (ffmpeg without ffprobe).
    public var durationSeconds: Double?
    public var decoder: Decoder

    public init(
        container: String, encoding: String?, sampleRate: Int?, channels: Int?,
        durationSeconds: Double?, decoder: Decoder
    ) {
        self.container = container
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
        self.durationSeconds = durationSeconds
        self.decoder = decoder
    }

    /// One line for logs and the UI, such as "WAV, 44100 Hz, 2 ch, 24-bit" or
    /// "MP4/M4A, 44100 Hz, 2 ch, aac (via ffmpeg)".
    public var description: String {
        var parts = [container]
        if let sampleRate { parts.append("\(sampleRate) Hz") }
        if let channels { parts.append("\(channels) ch") }
        if let encoding { parts.append(encoding) }
        let text = parts.joined(separator: ", ")
        return decoder == .ffmpeg ? text + " (via ffmpeg)" : text
    }
}
