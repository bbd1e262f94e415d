import CFFTW
import COpenBLAS
import CPUKernels
import Foundation
import Tensor

/// Silero VAD (version 6, the ONNX file faster-whisper ships in `faster_whisper/assets/`),
/// computed by Auris's CPU backend: the probability that each 32 ms of 16 kHz audio is speech.
///
/// Note [Silero VAD's graph]: the model reads 512-sample chunks, each with the 64 samples before
/// it prepended (576). Per chunk: reflect-pad 128 samples each side; a short-time Fourier
/// transform as a convolution with a fixed `[258, 1, 256]` basis at stride 128, whose first frame
/// is dropped (4 frames left); magnitude of the 129 real/imaginary pairs; four convolutions
/// (kernel 3, padding 1, strides 1, 2, 2, 1; 128, 64, 64, 128 channels), each with ReLU, which
/// leave one 128-wide vector; one LSTM step (hidden 128, ONNX gate order input, output, forget,
/// cell) whose state carries from chunk to chunk through the whole recording; ReLU, a 1×1
/// convolution to one value, sigmoid. Everything up to the LSTM is independent per chunk, so a
/// batch of chunks goes through it as matrix products; only the LSTM steps run one by one.
///
/// The basis is a periodic Hann window times the real DFT's cosines and (negated) sines, to
/// 6e-8; so the transform is computed as what it is, an FFT of the windowed frame (FFTW, as the
/// mel features), a tenth of the basis product's work. Loading checks that the file's basis is
/// that, and uses the file's window.
///
/// The weights and the batches' work live in tensors from the CPU backend's caching allocator,
/// so they show in the host's memory report like the Whisper model's. The detector runs on the
/// CPU whatever device Whisper runs on, as faster-whisper runs it (with onnxruntime): it is
/// 309,652 parameters and a sequential recurrence, not worth a device round trip per chunk.
public final class SileroVAD: @unchecked Sendable {
    // @unchecked: the weights are written once in init and only read afterwards; the state of a
    // recording lives in `SpeechProbabilities`, one per recording.
    public static let chunkSamples = 512
    static let contextSamples = 64
    static let hidden = 128
    static let frames = 4
    static let frameWidth = 256
    static let bins = 129
    /// The name of the file in faster-whisper's wheel.
    public static let fileName = "silero_vad_v6.onnx"

    let backend: CPUBackend
    private let window: [Float]  // [256], the basis's first (cosine of frequency 0) row
    private let plan: fftwf_plan
    private let convolutions: [Convolution]
    private let lstmInput: Tensor  // [512, 128]
    private let lstmBias: Tensor  // [512]: input and recurrent biases summed
    private let lstmRecurrent: [Float]  // [512, 128]
    private let decoderWeight: [Float]  // [128]
    private let decoderBias: Float

    struct Convolution {
        let weight: Tensor  // [out, 3 · in]: the ONNX [out, in, 3] with each tap's inputs together
        let bias: Tensor
        let stride: Int
        var outChannels: Int { weight.shape[0] }
        var inChannels: Int { weight.shape[1] / 3 }
    }

    /// Loads the model at `path` (an `.onnx` file) into `backend`'s memory.
    public init(path: String, backend: CPUBackend) throws {
        let file = try ONNXInitializers(path: path)
        self.backend = backend
        func upload(_ values: [Float], _ shape: [Int]) throws -> Tensor {
            try values.withUnsafeBufferPointer { try backend.upload($0, shape: shape) }
        }
        let basis = try file.tensor("encoder.feature_extractor.forward_basis_buffer", dims: [2 * Self.bins, 1, Self.frameWidth])
        window = try Self.window(ofBasis: basis)
        var convolutions: [Convolution] = []
        var inChannels = Self.bins
        for (layer, (channels, stride)) in [(128, 1), (64, 2), (64, 2), (128, 1)].enumerated() {
            let name = "encoder.conv_layers.\(layer)"
            let weight = try file.tensor("\(name).weight", dims: [channels, inChannels, 3])
            // Tap-major, so that im2col copies each input row whole.
            let tapMajor = (0..<channels * 3 * inChannels).map { index in
                let (o, rest) = index.quotientAndRemainder(dividingBy: 3 * inChannels)
                let (k, c) = rest.quotientAndRemainder(dividingBy: inChannels)
                return weight[(o * inChannels + c) * 3 + k]
            }
            convolutions.append(Convolution(
                weight: try upload(tapMajor, [channels, 3 * inChannels]),
                bias: try upload(try file.tensor("\(name).bias", dims: [channels]), [channels]), stride: stride))
            inChannels = channels
        }
        self.convolutions = convolutions
        // The exporter names the LSTM's weights by number; W, R and B in ONNX's input order.
        lstmInput = try upload(try file.tensor("onnx::LSTM_209", dims: [1, 4 * Self.hidden, Self.hidden]), [4 * Self.hidden, Self.hidden])
        lstmRecurrent = try file.tensor("onnx::LSTM_210", dims: [1, 4 * Self.hidden, Self.hidden])
        let biases = try file.tensor("onnx::LSTM_211", dims: [1, 8 * Self.hidden])
        lstmBias = try upload((0..<4 * Self.hidden).map { biases[$0] + biases[4 * Self.hidden + $0] }, [4 * Self.hidden])
        decoderWeight = try file.tensor("decoder.conv1d.weight", dims: [1, Self.hidden, 1])
        decoderBias = try file.tensor("decoder.conv1d.bias", dims: [1])[0]
        plan = MelFilterbank.planLock.withLock {
            let input = fftwf_alloc_real(Self.frameWidth), output = fftwf_alloc_complex(Self.bins)
            defer { fftwf_free(input); fftwf_free(output) }
            return fftwf_plan_dft_r2c_1d(Int32(Self.frameWidth), input, output, UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED))!
        }
    }

    deinit { MelFilterbank.planLock.withLock { fftwf_destroy_plan(plan) } }

    /// The window of a `[258, 1, 256]` basis that is window × (cos, −sin) of the DFT; an error
    /// for any other basis.
    static func window(ofBasis basis: [Float]) throws(WhisperError) -> [Float] {
        let width = frameWidth, window = Array(basis[0..<width])
        for bin in 0..<bins {
            for n in 0..<width {
                let angle = 2 * Double.pi * Double(bin * n % width) / Double(width)
                let real = Double(window[n]) * cos(angle), imaginary = -Double(window[n]) * sin(angle)
                if abs(Double(basis[bin * width + n]) - real) > 1e-5 || abs(Double(basis[(bins + bin) * width + n]) - imaginary) > 1e-5 {
                    throw WhisperError(.invalidModel, "the voice activity model's STFT basis is not a windowed DFT: not Silero VAD v6")
                }
            }
        }
        return window
    }

    /// Bytes of the weights held in the allocator.
    public var weightBytes: Int {
        ([lstmInput, lstmBias] + convolutions.flatMap { [$0.weight, $0.bias] }).reduce(0) { $0 + $1.count * 4 }
    }

    /// The speech probability of each chunk of `chunks` (`count × 576` samples: 64 of context,
    /// then the chunk), carrying the LSTM's `state` (`[h | c]`, 256 floats) from one to the next.
    func probabilities(of chunks: UnsafeBufferPointer<Float>, count: Int, state: inout [Float]) throws -> [Float] {
        let width = Self.contextSamples + Self.chunkSamples
        precondition(chunks.count == count * width)
        let magnitude = try backend.makeTensor(shape: [count * Self.frames, Self.bins])
        spectra(chunks, count: count, into: magnitude.hostPointer)
        var x = magnitude, length = Self.frames
        for convolution in convolutions {
            (x, length) = try convolve(x, chunks: count, length: length, convolution)
        }
        precondition(length == 1)
        let gates = try backend.linear(x, weight: lstmInput, bias: lstmBias)
        return recur(gates.hostPointer, count: count, state: &state)
    }

    /// The magnitude spectra (129 bins) of the four 256-sample frames of each chunk, taken from
    /// the chunk reflect-padded by 128 each side: frames 1...4 of the five the basis's stride
    /// gives (the graph slices off frame 0).
    private func spectra(_ chunks: UnsafeBufferPointer<Float>, count: Int, into magnitudes: UnsafeMutablePointer<Float>) {
        let width = Self.contextSamples + Self.chunkSamples, pad = 128
        var frame = [Float](repeating: 0, count: Self.frameWidth)
        var spectrum = [Float](repeating: 0, count: 2 * Self.bins)
        frame.withUnsafeMutableBufferPointer { frame in
            spectrum.withUnsafeMutableBytes { spectrum in
                let complex = spectrum.baseAddress!.assumingMemoryBound(to: fftwf_complex.self)
                let values = spectrum.baseAddress!.assumingMemoryBound(to: Float.self)
                for chunk in 0..<count {
                    let samples = chunks.baseAddress! + chunk * width
                    for index in 0..<Self.frames {
                        let start = (index + 1) * 128 - pad  // in the unpadded chunk
                        for k in 0..<Self.frameWidth {
                            var i = start + k
                            if i < 0 { i = -i } else if i >= width { i = 2 * (width - 1) - i }
                            frame[k] = samples[i] * window[k]
                        }
                        fftwf_execute_dft_r2c(plan, frame.baseAddress, complex)
                        let target = magnitudes + (chunk * Self.frames + index) * Self.bins
                        for bin in 0..<Self.bins {
                            let real = values[2 * bin], imaginary = values[2 * bin + 1]
                            target[bin] = (real * real + imaginary * imaginary).squareRoot()
                        }
                    }
                }
            }
        }
    }

    /// One convolution with ReLU over every chunk: `x` `[chunks · length, in]` (row = a chunk's
    /// time step) → `[chunks · outLength, out]`, as im2col and one product.
    private func convolve(_ x: Tensor, chunks: Int, length: Int, _ convolution: Convolution) throws -> (Tensor, Int) {
        let inChannels = convolution.inChannels, stride = convolution.stride
        let outLength = (length + 2 - 3) / stride + 1
        let columns = try backend.makeTensor(shape: [chunks * outLength, inChannels * 3])
        let source = x.hostPointer, target = columns.hostPointer
        for chunk in 0..<chunks {
            for position in 0..<outLength {
                let row = target + (chunk * outLength + position) * inChannels * 3
                for k in 0..<3 {
                    let t = position * stride + k - 1, tap = row + k * inChannels
                    if t < 0 || t >= length {
                        tap.update(repeating: 0, count: inChannels)
                    } else {
                        tap.update(from: source + (chunk * length + t) * inChannels, count: inChannels)
                    }
                }
            }
        }
        let output = try backend.linear(columns, weight: convolution.weight, bias: convolution.bias)
        let values = output.hostPointer
        for i in 0..<output.count where values[i] < 0 { values[i] = 0 }
        return (output, outLength)
    }

    /// The LSTM steps, one per chunk, and the decoder on each step's output.
    private func recur(_ gates: UnsafeMutablePointer<Float>, count: Int, state: inout [Float]) -> [Float] {
        let hidden = Self.hidden
        var probabilities = [Float](repeating: 0, count: count)
        state.withUnsafeMutableBufferPointer { state in
            let h = state.baseAddress!, c = h + hidden
            lstmRecurrent.withUnsafeBufferPointer { recurrent in
                for chunk in 0..<count {
                    let g = gates + chunk * 4 * hidden
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(4 * hidden), Int32(hidden), 1, recurrent.baseAddress!,
                                Int32(hidden), h, 1, 1, g, 1)
                    auris_lstm_cell(g, h, c, hidden)
                    var logit = decoderBias
                    for j in 0..<hidden { logit += max(h[j], 0) * decoderWeight[j] }
                    probabilities[chunk] = sigmoid(logit)
                }
            }
        }
        return probabilities
    }

    private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}
