import Foundation
import Tensor

extension WhisperModel {
    /// Loads a CTranslate2 Whisper model (already opened and validated as a directory) onto
    /// `backend`'s device, widening float16/bfloat16 and dequantising int8 weights to float32.
    public static func load(_ model: WhisperModelDirectory, backend: any ComputeBackend) throws -> WhisperModel {
        let file = model.file, dimensions = model.dimensions
        var weightBytes = 0
        func tensor(_ name: String) throws -> Tensor {
            let variable = try file.variable(name)
            var values = [Float](repeating: 0, count: variable.elementCount)
            try values.withUnsafeMutableBufferPointer { try file.copyFloats(name, into: $0) }
            let tensor = try backend.upload(values, shape: variable.shape.isEmpty ? [1] : variable.shape)
            weightBytes += tensor.storage.allocation.blockSize
            return tensor
        }
        let weights = try WhisperWeights(
            encoderLayers: dimensions.encoderLayers, decoderLayers: dimensions.decoderLayers,
            tensor: tensor, optionalTensor: { file.contains($0) ? try tensor($0) : nil })
        return WhisperModel(backend: backend, weights: weights, encoderHeads: dimensions.encoderHeads,
                            decoderHeads: dimensions.decoderHeads, weightBytes: weightBytes)
    }
}
