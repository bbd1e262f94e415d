internal import CSoxr

/// How carefully libsoxr converts a file's rate to 16 kHz. Every choice is band-limited: what
/// 16 kHz cannot hold is removed, not folded back as aliases.
///
/// Note [Resampling for speech]: Whisper looks at 80 mel bands up to 8 kHz of 16-bit-range
/// audio, so 20-bit precision with libsoxr's default passband (91 % of the new Nyquist, i.e.
/// flat to 7.3 kHz) loses nothing it can hear. `.high`, SoX's own default, is the default here; it
/// converts a 48 kHz hour in well under a second, where libsamplerate's best sinc (used before)
/// took seconds per minute of audio. `make bench` measures each quality alone.
public enum ResamplerQuality: String, Sendable, Codable, CaseIterable {
    /// `SOXR_VHQ`: 28-bit precision, 91 % bandwidth.
    case veryHigh = "very-high"
    /// `SOXR_HQ`: 20-bit precision, 91 % bandwidth. The default.
    case high
    /// `SOXR_MQ`: 16-bit precision, medium roll-off.
    case medium
    /// `SOXR_LQ`: 16-bit precision, larger roll-off; the cheapest band-limited one.
    case low

    var recipe: UInt {
        switch self {
        case .veryHigh: UInt(SOXR_28_BITQ)
        case .high: UInt(SOXR_20_BITQ)
        case .medium: UInt(SOXR_MQ)
        case .low: UInt(SOXR_LQ)
        }
    }
}

/// Converts another source's mono samples to `sampleRate` with libsoxr, streaming.
///
/// Input is pulled from the upstream source in fixed chunks; when the upstream ends, soxr is
/// told so (a null input) and drained of the tail its filter still holds.
final class Resampler: MonoSource {
    let sampleRate: Int
    private let upstream: MonoSource
    private let name: String
    private var converter: soxr_t?
    private let input: UnsafeMutableBufferPointer<Float>
    private var inputStart = 0
    private var inputCount = 0
    private var upstreamEnded = false
    private var finished = false
    private static let inputChunk = 16_384
    /// A rate more than this factor away from the target is not audio worth converting.
    static let largestFactor = 256

    init(upstream: MonoSource, to sampleRate: Int, quality: ResamplerQuality, name: String) throws(AudioError) {
        self.upstream = upstream
        self.sampleRate = sampleRate
        self.name = name
        let from = upstream.sampleRate
        guard from * Self.largestFactor >= sampleRate, from <= sampleRate * Self.largestFactor else {
            throw AudioError(
                .unsupportedFormat,
                "'\(name)' has a sample rate of \(from) Hz, too far from \(sampleRate) Hz to resample (a factor of \(Self.largestFactor) either way is allowed)")
        }
        let converter = try Self.makeConverter(from: from, to: sampleRate, quality: quality, name: "'\(name)'")
        self.converter = converter
        input = .allocate(capacity: Self.inputChunk)
    }

    deinit {
        close()
        input.deallocate()
    }

    /// A mono float32 libsoxr converter; `name` says what it converts, in the error.
    static func makeConverter(from: Int, to: Int, quality: ResamplerQuality, name: String) throws(AudioError) -> soxr_t {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(quality.recipe, 0)
        var runtime = soxr_runtime_spec(1)
        let converter = soxr_create(Double(from), Double(to), 1, &error, &io, &qualitySpec, &runtime)
        guard let converter, error == nil else {
            throw AudioError(.decodeFailed, "Could not start the resampler for \(name): \(error.map { String(cString: $0) } ?? "unknown error")")
        }
        return converter
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let converter, let out = buffer.baseAddress else { return 0 }
        var produced = 0
        while produced < buffer.count, !finished {
            if inputCount == 0, !upstreamEnded {
                inputStart = 0
                inputCount = try upstream.read(into: input)
                if inputCount < input.count { upstreamEnded = true }
            }
            var used = 0, generated = 0
            // A null input tells soxr the audio has ended, so it flushes what its filter holds.
            let source = upstreamEnded && inputCount == 0 ? nil : UnsafeRawPointer(input.baseAddress! + inputStart)
            let error = soxr_process(converter, source, inputCount, &used, out + produced, buffer.count - produced, &generated)
            if let error {
                throw AudioError(.decodeFailed, "Resampling '\(name)' failed: \(String(cString: error))")
            }
            inputStart += used
            inputCount -= used
            produced += generated
            // Done once the upstream is exhausted, its last samples consumed, and the filter drained.
            if upstreamEnded, inputCount == 0, source == nil, generated == 0 { finished = true }
        }
        if finished { close() }
        return produced
    }

    func close() {
        if let converter {
            soxr_delete(converter)
            self.converter = nil
        }
        upstream.close()
    }
}
