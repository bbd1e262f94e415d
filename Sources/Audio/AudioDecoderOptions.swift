extension AudioDecoder {
    /// How ffmpeg hands samples back.
    public enum FFmpegSampleFormat: String, Sendable, Codable {
        /// 32-bit float, full precision. The default.
        case float32
        /// 16-bit integers divided by 32768: bit-for-bit what faster-whisper (PyAV, `format="s16"`)
        /// feeds its model, for comparing transcripts against it on MP3, M4A and the like.
        case int16

        /// ffmpeg's `-f` name. Float32 is read straight into memory, so it is asked for in the
        /// host's byte order; Int16 is converted one sample at a time and is always little-endian.
        var ffmpegName: String {
            switch self {
            case .float32:
                #if _endian(big)
                "f32be"
                #else
                "f32le"
                #endif
            case .int16: "s16le"
            }
        }
    }

    /// Choices for `AudioDecoder.open`; the defaults suit a server.
    public struct Options: Sendable, Equatable {
        /// The ffmpeg to run: a bare name is looked up in `searchPath`, a path with "/" is used as is.
        public var ffmpeg: String
        /// A `PATH`-style list of directories to look for ffmpeg in; nil uses this process's `PATH`.
        public var searchPath: String?
        /// How libsoxr converts a file whose rate is not 16 kHz (libsndfile files only: ffmpeg
        /// resamples its own output).
        public var resamplerQuality: ResamplerQuality
        /// The sample format requested from ffmpeg.
        public var ffmpegSampleFormat: FFmpegSampleFormat
        /// Whether to run ffprobe (found beside ffmpeg) to fill `AudioSourceInfo` for files ffmpeg
        /// decodes. Costs one short extra process; without it those files have no duration.
        public var describeWithFFprobe: Bool

        public init(
            ffmpeg: String = "ffmpeg", searchPath: String? = nil, resamplerQuality: ResamplerQuality = .high,
            ffmpegSampleFormat: FFmpegSampleFormat = .float32, describeWithFFprobe: Bool = true
        ) {
            self.ffmpeg = ffmpeg
            self.searchPath = searchPath
            self.resamplerQuality = resamplerQuality
            self.ffmpegSampleFormat = ffmpegSampleFormat
            self.describeWithFFprobe = describeWithFFprobe
        }
    }
}
