internal import CSoxr

/// Converts samples pushed in pieces (a live stream's) from one rate to another with libsoxr,
/// keeping its filter's state between pieces, so the result is what converting the whole
/// stream at once would give.
public final class PushResampler {
    public let inputRate: Int
    public let outputRate: Int
    private var converter: soxr_t?

    public init(from inputRate: Int, to outputRate: Int = AudioDecoder.sampleRate, quality: ResamplerQuality = .high) throws(AudioError) {
        guard inputRate > 0, inputRate * Resampler.largestFactor >= outputRate, inputRate <= outputRate * Resampler.largestFactor else {
            throw AudioError(.unsupportedFormat, "a sample rate of \(inputRate) Hz is too far from \(outputRate) Hz to resample")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpec = soxr_quality_spec(quality.recipe, 0)
        var runtime = soxr_runtime_spec(1)
        let converter = soxr_create(Double(inputRate), Double(outputRate), 1, &error, &io, &qualitySpec, &runtime)
        guard let converter, error == nil else {
            throw AudioError(.decodeFailed, "could not start the resampler: \(error.map { String(cString: $0) } ?? "unknown error")")
        }
        self.converter = converter
    }

    deinit { if let converter { soxr_delete(converter) } }

    /// The converted samples that `samples` completes (the filter holds back a few).
    public func process(_ samples: [Float]) throws(AudioError) -> [Float] {
        try run(samples, ending: false)
    }

    /// What the filter still holds, at the end of the stream.
    public func flush() throws(AudioError) -> [Float] {
        try run([], ending: true)
    }

    private func run(_ samples: [Float], ending: Bool) throws(AudioError) -> [Float] {
        guard let converter, ending || !samples.isEmpty else { return [] }
        var output: [Float] = []
        var chunk = [Float](repeating: 0, count: samples.count * outputRate / inputRate + 1_024)
        var offset = 0
        while true {
            var used = 0, generated = 0
            let remaining = samples.count - offset
            let error: soxr_error_t? = samples.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { out in
                    // A null input tells soxr the stream has ended, so it drains its filter.
                    let source = ending ? nil : UnsafeRawPointer(input.baseAddress.map { $0 + offset })
                    return soxr_process(converter, source, remaining, &used, out.baseAddress, out.count, &generated)
                }
            }
            if let error { throw AudioError(.decodeFailed, "resampling failed: \(String(cString: error))") }
            offset += used
            output += chunk[..<generated]
            if ending ? generated == 0 : (offset >= samples.count && generated < chunk.count) { break }
        }
        return output
    }
}
