import DeviceMemory
import Tensor

/// What one job on a model needs on its device, measured once, before its first job: the peak
/// of encoding a window, what the encoded window keeps, and the peak of decoding over it for a
/// few prompt lengths.
///
/// Note [Predicting a job's peak]: the engine's memory is flat in the audio's length (features
/// stream window by window; one window is encoded and decoded at a time; a decoding pass's key
/// and value cache is allocated whole for the model's 448 positions). What varies is the
/// prompt fed at the start of each window: up to 223 tokens of previous text, and prompt rows
/// take activations (and widened weights) that a single decoding step does not. So a job's
/// peak is the larger of the encoder's peak and, above the encoded window, the decoder's peak
/// for the longest prompt the job will feed; the profile measures both on the model itself,
/// on its device and compute type, and interpolates between the prompt lengths it tried.
public struct WhisperMemoryProfile: Sendable, Codable, Equatable {
    /// Peak above the start while one window is encoded (its features, the encoder's
    /// activations, and the cross-attention keys and values it makes).
    public var encoderPeakBytes: Int
    /// What an encoded window keeps while its tokens are decoded.
    public var encodedWindowBytes: Int
    /// The prompt lengths tried, ascending.
    public var promptTokens: [Int]
    /// Per prompt length, the peak above the encoded window while a decoding pass is fed that
    /// prompt and then steps once.
    public var decoderPeakBytes: [Int]
    /// How far the device's reserved bytes rose during the whole probe: the memory a job takes
    /// from the device when little is cached, in whole segments (a 1 MiB request takes a 20 MiB
    /// segment), which can be well above its peak allocated on a small model.
    public var reservedBytes: Int

    /// The prompt lengths the profile tries: a window's own start, a few, and the longest a
    /// window can feed (223 tokens of previous text, the start-of-previous token and a start
    /// sequence of up to four).
    public static let probedPromptTokens = [4, 16, 64, 128, 228]

    /// A job's peak above the bytes allocated at its start when its longest prompt has
    /// `promptTokens` tokens.
    public func peakBytes(promptTokens: Int) -> Int {
        max(encoderPeakBytes, encodedWindowBytes + decoderPeak(promptTokens: promptTokens))
    }

    /// Linear between the lengths tried; the longest one's figure beyond it.
    func decoderPeak(promptTokens tokens: Int) -> Int {
        guard let first = promptTokens.first, let last = promptTokens.last else { return 0 }
        if tokens <= first { return decoderPeakBytes[0] }
        if tokens >= last { return decoderPeakBytes[decoderPeakBytes.count - 1] }
        let upper = promptTokens.firstIndex { $0 >= tokens }!
        let (x0, x1) = (promptTokens[upper - 1], promptTokens[upper])
        let (y0, y1) = (Double(decoderPeakBytes[upper - 1]), Double(decoderPeakBytes[upper]))
        return Int((y0 + (y1 - y0) * Double(tokens - x0) / Double(x1 - x0)).rounded(.up))
    }

    enum CodingKeys: String, CodingKey {
        case encoderPeakBytes = "encoder_peak_bytes"
        case encodedWindowBytes = "encoded_window_bytes"
        case promptTokens = "prompt_tokens"
        case decoderPeakBytes = "decoder_peak_bytes"
        case reservedBytes = "reserved_bytes"
    }
}

extension WhisperModel {
    /// Measures this model's profile (Note [Predicting a job's peak]): encodes one window of
    /// silence and decodes over it with each probed prompt length, watching the allocator.
    /// Costs about one window's work, and releases the device's cache first; the caller keeps
    /// the result.
    public func measureMemoryProfile() throws -> WhisperMemoryProfile {
        let allocator = backend.allocator
        // From an empty cache, so that the reserved figure is what a job takes from the device
        // when nothing it could reuse is cached. Live blocks are never touched.
        _ = allocator.emptyCache()
        let whole = allocator.startWatch()
        defer { _ = allocator.endWatch(whole) }
        let encoding = allocator.startWatch()
        let window: any EncodedWindow
        do {
            window = try encode(features: [Float](repeating: 0, count: melBins * StreamingFeatures.windowFrames), melBins: melBins)
        } catch {
            _ = allocator.endWatch(encoding)
            throw error
        }
        let encoded = allocator.endWatch(encoding)!
        let lengths = WhisperMemoryProfile.probedPromptTokens.filter { $0 < maxTargetPositions }
        var decoderPeaks: [Int] = []
        for length in lengths {
            let decoding = allocator.startWatch()
            do {
                let decoder = try window.makeDecoder()
                // The prompt asks for two rows of logits when it checks for silence; then one step.
                _ = try decoder.feed([Int](repeating: 0, count: length), logitsAt: [0, length - 1])
                _ = try decoder.feed([0], logitsAt: [length])
            } catch {
                _ = allocator.endWatch(decoding)
                throw error
            }
            decoderPeaks.append(allocator.endWatch(decoding)!.peakAllocatedAboveStart)
        }
        _ = takeTimings()   // the probe is not the user's work
        return WhisperMemoryProfile(encoderPeakBytes: encoded.peakAllocatedAboveStart,
                                    encodedWindowBytes: encoded.endAllocatedBytes - encoded.startAllocatedBytes,
                                    promptTokens: lengths, decoderPeakBytes: decoderPeaks,
                                    reservedBytes: allocator.endWatch(whole)!.peakReservedAboveStart)
    }
}

extension WhisperMemoryProfile {
    /// Tokens of previous text a window is assumed to have for each second of audio before it:
    /// above English read aloud (about 4 with timestamps), so that a prediction errs high.
    static let tokensPerSecond = 5.0

    /// The predicted peak of transcribing `audioSeconds` (nil when unknown: as long as can be)
    /// with `options` and an initial prompt of `initialPromptTokens` (Note [Predicting a job's
    /// peak]): the longest prompt is the last window's, after the others' text.
    public func predictedPeak(audioSeconds: Double?, options: DecodingOptions, initialPromptTokens: Int) -> Int {
        let windowSeconds = Double(WhisperTiming.framesPerWindow) / Double(WhisperTiming.framesPerSecond)
        // The last window starts where the others' text ends: at least one window in (a
        // window moves on by up to 30 s), at most the audio's last 30 s.
        let seconds = audioSeconds ?? 86_400
        let before = seconds > windowSeconds ? max(seconds - windowSeconds, windowSeconds) : 0
        let earlierText = options.conditionOnPreviousText ? Int((before * Self.tokensPerSecond).rounded(.up)) : 0
        let previous = min(PromptBuilder.maxContextTokens, initialPromptTokens + earlierText)
        // The start sequence (up to four tokens), after start-of-previous and the previous text.
        return peakBytes(promptTokens: 4 + (previous > 0 ? 1 + previous : 0))
    }
}
