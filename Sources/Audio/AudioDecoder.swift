/// Opens audio files as 16 kHz mono Float32 streams, the input Whisper expects.
///
/// Which decoder reads a file is decided by its first bytes, not its name:
/// - WAV (8/16/24/32-bit integer, 32/64-bit float, any channels, any rate), FLAC, Ogg Vorbis and
///   Opus, AIFF, CAF, AU: libsndfile, in process. Channels are averaged to mono, then libsoxr
///   converts the rate when it is not already 16 kHz. 16-bit mono 16 kHz input comes out as exactly
///   `Int16 / 32768`, as in faster-whisper.
/// - Everything else (MP3, M4A/AAC, WebM, Opus in WebM, video files): an `ffmpeg` child process.
///   MP3 goes to ffmpeg even though libsndfile reads it too, because ffmpeg is what faster-whisper
///   decodes with; without ffmpeg, MP3 falls back to libsndfile.
/// - Text, HTML, images, documents: refused with `.unsupportedFormat`, saying what the file is.
///
/// A WAV whose header is whole but whose data stops early is decoded as far as it goes (as ffmpeg
/// does), with a note in `AudioStream.warnings`; one that ends inside its header is `.truncated`.
public enum AudioDecoder {
    /// The rate of every stream this module yields.
    public static let sampleRate = 16_000

    /// Opens `path` for streaming.
    ///
    /// - Parameters:
    ///   - displayName: how error messages and warnings name the file, such as an upload's original
    ///     name when it was saved under a temporary one; `path` when nil.
    /// - Throws: `AudioError`; format problems that ffmpeg detects are thrown here, not by the first read.
    public static func open(path: String, named displayName: String? = nil, options: Options = Options()) throws(AudioError) -> AudioStream {
        let name = displayName ?? path
        let (size, prefix) = try FileCheck.inspect(path: path, name: name)
        let signature = FileSignature.detect(prefix)
        if let what = signature.nonAudioDescription {
            throw AudioError(.unsupportedFormat, "'\(name)' is not audio: it is \(what)")
        }
        let ffmpeg = ExecutableLookup.find(options.ffmpeg, searchPath: options.searchPath)

        if signature == .mp3, let ffmpeg {
            return try openWithFFmpeg(ffmpeg, path: path, name: name, signature: signature, options: options)
        }
        switch SndFileSource.open(path: path, name: name) {
        case .success(let source):
            if SndFileFormatNames.isMPEG(source.format), let ffmpeg {
                source.close()
                return try openWithFFmpeg(ffmpeg, path: path, name: name, signature: signature, options: options)
            }
            return try stream(from: source, path: path, size: size, name: name, signature: signature, options: options)
        case .failure(let failure):
            if signature == .wav || signature == .rf64, RIFFLayout.inspect(path: path) == .headerTruncated {
                throw AudioError(
                    .truncated,
                    "'\(name)' is a WAV file that ends inside its header (\(size) bytes), so its format cannot be known; the file was cut off or damaged")
            }
            guard let ffmpeg else {
                if signature.isSndFileNative {
                    throw AudioError(
                        .unsupportedFormat,
                        "'\(name)' looks like \(signature.displayName) but libsndfile cannot read it (\(failure.reason)). ffmpeg, which reads more encodings, was not found (\(lookedFor(options))).")
                }
                throw FFmpegFailure.missing(name: name, signature: signature, looked: lookedFor(options))
            }
            return try openWithFFmpeg(ffmpeg, path: path, name: name, signature: signature, options: options)
        }
    }

    /// Decodes the whole file into memory: for tests and short clips. Long files should be read
    /// a chunk at a time with `open(path:named:options:)` instead.
    public static func readAll(path: String, named displayName: String? = nil, options: Options = Options()) throws(AudioError) -> [Float] {
        let stream = try open(path: path, named: displayName, options: options)
        defer { stream.close() }
        var samples: [Float] = []
        if let seconds = stream.durationSeconds, seconds.isFinite, seconds > 0 {
            samples.reserveCapacity(Int(seconds * Double(sampleRate)) + 1024)
        }
        while true {
            let chunk = try stream.read(maxFrames: 1 << 16)
            samples.append(contentsOf: chunk)
            if chunk.count < 1 << 16 { return samples }
        }
    }

    private static func stream(
        from source: SndFileSource, path: String, size: Int, name: String, signature: FileSignature, options: Options
    ) throws(AudioError) -> AudioStream {
        let info = AudioSourceInfo(
            container: SndFileFormatNames.container(source.format), encoding: SndFileFormatNames.encoding(source.format),
            sampleRate: source.sampleRate, channels: source.channels, durationSeconds: source.durationSeconds,
            decoder: .libsndfile)
        if source.frames == 0 {
            source.close()
            throw AudioError(.empty, "'\(name)' has a valid \(info.container) header but no audio data")
        }
        var warnings: [String] = []
        if signature == .wav, case .layout(let layout) = RIFFLayout.inspect(path: path) {
            let missing = layout.missingBytes(fileSize: size)
            if missing > 0, let declared = layout.declaredDataBytes {
                let seconds = source.durationSeconds.map { String(format2: $0) } ?? "?"
                warnings.append(
                    "'\(name)' is cut short: its header promises \(declared) bytes of audio but \(missing) are missing; decoded the \(seconds) s that exist")
            }
        }
        var pipeline: MonoSource = source
        if source.sampleRate != sampleRate {
            pipeline = try Resampler(upstream: source, to: sampleRate, quality: options.resamplerQuality, name: name)
        }
        return AudioStream(pipeline: pipeline, source: info, warnings: warnings)
    }

    private static func openWithFFmpeg(
        _ ffmpeg: String, path: String, name: String, signature: FileSignature, options: Options
    ) throws(AudioError) -> AudioStream {
        var info: AudioSourceInfo?
        if options.describeWithFFprobe, let ffprobe = ExecutableLookup.sibling("ffprobe", of: ffmpeg) {
            info = FFprobe.describe(executable: ffprobe, path: path, signature: signature)
        }
        let source = try FFmpegSource(
            executable: ffmpeg, path: path, name: name, signature: signature, sampleFormat: options.ffmpegSampleFormat)
        try source.prime()
        let fallback = AudioSourceInfo(
            container: signature == .unknown ? "unknown format" : signature.displayName, encoding: nil,
            sampleRate: nil, channels: nil, durationSeconds: nil, decoder: .ffmpeg)
        return AudioStream(pipeline: source, source: info ?? fallback, warnings: [])
    }

    private static func lookedFor(_ options: Options) -> String {
        options.ffmpeg.contains("/") ? "no executable at \(options.ffmpeg)" : "looked for '\(options.ffmpeg)' on PATH"
    }
}

extension String {
    /// A number with two decimals, without Foundation's `String(format:)`.
    fileprivate init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
