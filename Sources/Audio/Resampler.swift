internal import CSampleRate

/// The converter libsamplerate uses; all three are band-limited sinc interpolators.
public enum ResamplerQuality: String, Sendable, Codable {
    /// `SRC_SINC_BEST_QUALITY`: 97 dB signal-to-noise, 97% bandwidth. The default.
    case best
    /// `SRC_SINC_MEDIUM_QUALITY`: 97 dB, 90% bandwidth; several times faster.
    case medium
    /// `SRC_SINC_FASTEST`: 97 dB, 80% bandwidth; the cheapest that is still band-limited.
    case fastest

    var converterType: Int32 {
        switch self {
        case .best: Int32(SRC_SINC_BEST_QUALITY)
        case .medium: Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fastest: Int32(SRC_SINC_FASTEST)
        }
    }
}

/// Converts another source's mono samples to `sampleRate` with libsamplerate, streaming.
///
/// Input is pulled from the upstream source in fixed chunks and fed to `src_process`; when the
/// upstream ends, `end_of_input` is set so that the converter flushes the tail held in its filter.
final class Resampler: MonoSource {
    let sampleRate: Int
    private let upstream: MonoSource
    private let ratio: Double
    private let name: String
    private var state: OpaquePointer?
    private let input: UnsafeMutableBufferPointer<Float>
    private var inputStart = 0
    private var inputCount = 0
    private var upstreamEnded = false
    private var finished = false
    private static let inputChunk = 16_384

    init(upstream: MonoSource, to sampleRate: Int, quality: ResamplerQuality, name: String) throws(AudioError) {
        self.upstream = upstream
        self.sampleRate = sampleRate
        self.name = name
        ratio = Double(sampleRate) / Double(upstream.sampleRate)
        guard src_is_valid_ratio(ratio) != 0 else {
            throw AudioError(
                .unsupportedFormat,
                "'\(name)' has a sample rate of \(upstream.sampleRate) Hz, too far from \(sampleRate) Hz to resample (libsamplerate allows a factor of 256 either way)")
        }
        var error: Int32 = 0
        guard let state = src_new(quality.converterType, 1, &error) else {
            throw AudioError(.decodeFailed, "Could not start the resampler for '\(name)': \(String(cString: src_strerror(error)))")
        }
        self.state = state
        input = .allocate(capacity: Self.inputChunk)
    }

    deinit {
        close()
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let state, let out = buffer.baseAddress else { return 0 }
        var produced = 0
        while produced < buffer.count, !finished {
            if inputCount == 0, !upstreamEnded {
                inputStart = 0
                inputCount = try upstream.read(into: input)
                if inputCount < input.count { upstreamEnded = true }
            }
            var data = SRC_DATA(
                data_in: input.baseAddress! + inputStart, data_out: out + produced,
                input_frames: inputCount, output_frames: buffer.count - produced,
                input_frames_used: 0, output_frames_gen: 0,
                end_of_input: upstreamEnded ? 1 : 0, src_ratio: ratio)
            let status = src_process(state, &data)
            guard status == 0 else {
                throw AudioError(.decodeFailed, "Resampling '\(name)' failed: \(String(cString: src_strerror(status)))")
            }
            inputStart += data.input_frames_used
            inputCount -= data.input_frames_used
            produced += data.output_frames_gen
            // Done once the upstream is exhausted, its last samples consumed, and the filter drained.
            if upstreamEnded, inputCount == 0, data.output_frames_gen == 0 { finished = true }
        }
        if finished { close() }
        return produced
    }

    func close() {
        if let state {
            src_delete(state)
            self.state = nil
        }
        upstream.close()
    }
}
