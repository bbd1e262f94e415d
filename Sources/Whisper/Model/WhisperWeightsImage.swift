import Tensor

/// A model's weights copied to host memory, bit for bit as they are on the device: what a
/// sleeping model keeps.
///
/// Note [Sleeping models]: as vLLM's sleep level 1, a model that is put to sleep gives its
/// device memory back while its weights wait in host memory; waking copies them back, in one
/// transfer, instead of reading, converting and quantising the file again. The weights are one
/// allocation (Note [One allocation per model]), so the image is that allocation's bytes; on
/// waking, the file is opened again only for the variables' shapes, which lay the weights out
/// in a new allocation exactly as before, and the image fills it. The tokenizer, host memory
/// already, is kept as it is.
public struct WhisperWeightsImage: Sendable {
    /// The bytes, as 4-byte words (float16 and int8 weights are carried bit for bit).
    let words: [Float]
    public let computeType: ComputeType

    public var byteCount: Int { words.count * MemoryLayout<Float>.stride }
}

extension WhisperModel {
    /// Copies the weights to host memory (Note [Sleeping models]).
    ///
    /// - Throws: `WhisperError.invalidModel` for weights not all in the model's one allocation
    ///   (a file with variables the loading rule did not foresee): such a model is unloaded
    ///   instead.
    public func weightsImage() throws -> WhisperWeightsImage {
        let buffer = arena.buffer
        guard weightBytes == buffer.allocation.blockSize, buffer.byteCount % MemoryLayout<Float>.stride == 0 else {
            throw WhisperError(.invalidModel, "this model's weights are not all in one allocation; unload it instead of putting it to sleep")
        }
        let view = Tensor(shape: [buffer.byteCount / MemoryLayout<Float>.stride], storage: buffer)
        return WhisperWeightsImage(words: try backend.download(view), computeType: computeType)
    }
}
