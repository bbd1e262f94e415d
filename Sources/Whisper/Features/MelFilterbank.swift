import CFFTW
import COpenBLAS
import Foundation

/// Whisper's log-mel front end: 400-sample periodic Hann window, 160-sample hop, a one-sided
/// FFT, power spectrum, Slaney-normalised mel filters, log10.
///
/// The filters and window are computed the way faster-whisper's FeatureExtractor computes them
/// (float64 then rounded to float32), so that Auris's features — and so its transcripts — match
/// the reference.
public final class MelFilterbank: @unchecked Sendable {
    // @unchecked: everything is immutable after init; FFTW's new-array execute is thread-safe.
    public static let fftSize = 400
    public static let hopLength = 160
    public static let sampleRate = 16_000
    static let bins = fftSize / 2 + 1

    public let melBins: Int
    /// `[melBins, bins]`, row-major.
    let filters: [Float]
    let window: [Float]
    private let plan: fftwf_plan

    public init(melBins: Int) {
        self.melBins = melBins
        self.filters = Self.slaneyFilters(melBins: melBins)
        self.window = (0..<Self.fftSize).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(Self.fftSize))) }
        self.plan = Self.planLock.withLock {
            // Planning is not thread-safe in FFTW; executing an existing plan is.
            let input = fftwf_alloc_real(Self.fftSize), output = fftwf_alloc_complex(Self.bins)
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_r2c_1d(Int32(Self.fftSize), input, output, UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED))!
        }
    }

    deinit { Self.planLock.withLock { fftwf_destroy_plan(plan) } }

    /// Held while creating or destroying any FFTW plan (the voice activity detector's too).
    static let planLock = NSLock()

    /// The mel filters of librosa's `mel(norm="slaney", htk=False)`, as faster-whisper builds them.
    static func slaneyFilters(melBins: Int) -> [Float] {
        let sampleRate = Double(Self.sampleRate)
        let fftFrequencies = (0..<bins).map { Double($0) * sampleRate / Double(fftSize) }
        let maxMel = 45.245640471924965  // the mel of 8 kHz on the Slaney scale
        let linearStep = 200.0 / 3, logStart = 1000.0, logStartMel = logStart / linearStep
        let logStep = log(6.4) / 27.0
        let frequencies = (0..<(melBins + 2)).map { index -> Double in
            let mel = maxMel * Double(index) / Double(melBins + 1)
            return mel >= logStartMel ? logStart * exp(logStep * (mel - logStartMel)) : linearStep * mel
        }
        var weights = [Float](repeating: 0, count: melBins * bins)
        for band in 0..<melBins {
            let lowerWidth = frequencies[band + 1] - frequencies[band]
            let upperWidth = frequencies[band + 2] - frequencies[band + 1]
            let normalisation = 2.0 / (frequencies[band + 2] - frequencies[band])
            for bin in 0..<bins {
                let lower = -(frequencies[band] - fftFrequencies[bin]) / lowerWidth
                let upper = (frequencies[band + 2] - fftFrequencies[bin]) / upperWidth
                weights[band * bins + bin] = Float(max(0, min(lower, upper)) * normalisation)
            }
        }
        return weights
    }

    /// log10 of the mel power of `frameCount` frames whose 400 windowed samples `sample(frame,
    /// offset)` supplies, written frame by frame (`melBins` values each) into `output`.
    func logMel(frameCount: Int, sample: (Int, Int) -> Float, into output: UnsafeMutablePointer<Float>) {
        var power = [Float](repeating: 0, count: frameCount * Self.bins)
        var frame = [Float](repeating: 0, count: Self.fftSize)
        var spectrum = [Float](repeating: 0, count: 2 * Self.bins)
        for index in 0..<frameCount {
            for offset in 0..<Self.fftSize { frame[offset] = sample(index, offset) * window[offset] }
            frame.withUnsafeMutableBufferPointer { input in
                spectrum.withUnsafeMutableBytes { output in
                    fftwf_execute_dft_r2c(plan, input.baseAddress, output.baseAddress!.assumingMemoryBound(to: fftwf_complex.self))
                }
            }
            for bin in 0..<Self.bins {
                let real = spectrum[2 * bin], imaginary = spectrum[2 * bin + 1]
                power[index * Self.bins + bin] = real * real + imaginary * imaginary
            }
        }
        // [frames, bins] · [melBins, bins]ᵀ → [frames, melBins]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(frameCount), Int32(melBins), Int32(Self.bins),
                    1, power, Int32(Self.bins), filters, Int32(Self.bins), 0, output, Int32(melBins))
        for i in 0..<(frameCount * melBins) { output[i] = log10f(max(output[i], 1e-10)) }
    }
}
