import DeviceMemory
import Tensor

/// A Whisper model resident on one device, ready to encode windows and decode tokens.
public final class WhisperModel: WhisperRunner, @unchecked Sendable {
    // @unchecked: immutable after loading; every pass allocates its own buffers.
    public let backend: any ComputeBackend
    let weights: WhisperWeights
    /// The one allocation that holds the weights (Note [One allocation per model]).
    let arena: WeightArena
    public let encoderHeads: Int
    public let decoderHeads: Int
    /// Bytes of weights held on the device (what "allocated" returns to after a job).
    public let weightBytes: Int
    /// How the linear layers' weights are held and multiplied.
    public let computeType: ComputeType
    /// The decoder's cross-attention heads that follow the speech in time (`alignment_heads`).
    public let alignmentHeads: [WhisperModelConfig.AlignmentHead]?
    let timings = EngineTimingsRecorder()

    init(backend: any ComputeBackend, weights: WhisperWeights, arena: WeightArena, encoderHeads: Int, decoderHeads: Int,
         weightBytes: Int, computeType: ComputeType, alignmentHeads: [WhisperModelConfig.AlignmentHead]?) {
        self.alignmentHeads = alignmentHeads
        self.backend = backend
        self.weights = weights
        self.arena = arena
        self.encoderHeads = encoderHeads
        self.decoderHeads = decoderHeads
        self.weightBytes = weightBytes
        self.computeType = computeType
    }

    public var vocabularySize: Int { weights.embeddings.rows }
    public var melBins: Int { weights.conv1Weight.shape[1] }
    public var width: Int { weights.embeddings.columns }
    public var maxTargetPositions: Int { weights.decoderPositions.rows }

    public func encode(features: [Float], melBins: Int) throws -> any EncodedWindow {
        let started = ContinuousClock.now
        let output = try encoderOutput(features: features, melBins: melBins)
        let window = try WhisperEncodedWindow(backend: backend, weights: weights, heads: decoderHeads, encoderOutput: output,
                                              computeType: computeType, timings: timings)
        let seconds = (ContinuousClock.now - started).seconds
        timings.record { $0.windowsEncoded += 1; $0.encodeSeconds += seconds }
        return window
    }

    /// Where this model's time went since the last call (see ``EngineTimings``).
    public func takeTimings() -> EngineTimings {
        timings.take()
    }

    /// The encoder's output `[1500, width]` for one window, downloaded: for comparing this
    /// engine stage by stage with another implementation (`Benchmarks/StageComparison`).
    public func encoderOutputValues(features: [Float], melBins: Int) throws -> [Float] {
        try backend.download(encoderOutput(features: features, melBins: melBins))
    }

    private func encoderOutput(features: [Float], melBins: Int) throws -> Tensor {
        guard melBins == self.melBins, features.count == melBins * StreamingFeatures.windowFrames else {
            throw WhisperError(.invalidFeatures,
                "the model expects \(self.melBins) mel bins × \(StreamingFeatures.windowFrames) frames; got \(features.count) values for \(melBins) bins")
        }
        let input = try backend.upload(features, shape: [melBins, StreamingFeatures.windowFrames])
        return try WhisperEncoder(backend: backend, weights: weights, heads: encoderHeads).encode(input)
    }
}
