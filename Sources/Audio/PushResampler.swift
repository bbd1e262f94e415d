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
        let converter = try Resampler.makeConverter(from: inputRate, to: outputRate, quality: quality, name: "a live stream")
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
