import Foundation
import Tensor

/// A Whisper engine put to sleep: its weights in host memory, its device memory given back
/// (Note [Sleeping models]).
public final class SleepingWhisperEngine: Sendable {
    public let directory: URL
    public let tokenizer: WhisperTokenizer
    public let isMultilingual: Bool
    public let image: WhisperWeightsImage

    init(directory: URL, tokenizer: WhisperTokenizer, isMultilingual: Bool, image: WhisperWeightsImage) {
        self.directory = directory
        self.tokenizer = tokenizer
        self.isMultilingual = isMultilingual
        self.image = image
    }

    /// Host bytes the weights take while asleep.
    public var hostBytes: Int { image.byteCount }

    /// Puts the weights back on `backend`'s device, in the compute type they slept in.
    public func wake(on backend: any ComputeBackend) throws -> WhisperEngine {
        let opened = try WhisperModelDirectory(directory: directory)
        let model = try WhisperModel.load(opened, backend: backend, computeType: image.computeType, image: image)
        return WhisperEngine(directory: directory, tokenizer: tokenizer, isMultilingual: isMultilingual, model: model)
    }
}

extension WhisperEngine {
    /// Copies the weights to host memory; the device memory goes back to the allocator when
    /// this engine is dropped.
    public func sleep() throws -> SleepingWhisperEngine {
        SleepingWhisperEngine(directory: directory, tokenizer: tokenizer, isMultilingual: isMultilingual, image: try model.weightsImage())
    }
}
