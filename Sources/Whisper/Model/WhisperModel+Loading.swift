import Foundation
import Tensor

extension WhisperModel {
    /// Loads a CTranslate2 Whisper model (already opened and validated as a directory) onto
    /// `backend`'s device, its linear layers and embedding in `computeType`, the rest in float32.
    ///
    /// Note [Loading without copies]: each weight is written once, straight from the
    /// memory-mapped file into its allocator buffer (converted a row at a time where the stored
    /// type differs), and the file's pages are released right after, so loading never holds the
    /// model twice: peak memory during a load is the loaded model plus one row.
    ///
    /// With an `image` (a sleeping model's, Note [Sleeping models]), the file gives only the
    /// variables' shapes; the bytes come from the image, in one copy once every weight has its
    /// place.
    ///
    /// - Throws: `WhisperError.invalidOptions` when the backend cannot compute in `computeType`.
    public static func load(_ model: WhisperModelDirectory, backend: any ComputeBackend, computeType: ComputeType,
                            image: WhisperWeightsImage? = nil) throws -> WhisperModel {
        guard backend.computeTypes.contains(computeType) else {
            throw WhisperError(.invalidOptions,
                "\(backend.device) computes in \(backend.computeTypes.map(\.rawValue).joined(separator: ", ")); compute type \(computeType) is for the CPU")
        }
        let file = model.file, dimensions = model.dimensions
        let arena = try WeightArena(allocator: backend.allocator, byteCount: arenaBytes(file, computeType: computeType))
        var weightBytes = arena.buffer.allocation.blockSize
        /// Counts what did not fit the arena (a file with variables the rule did not foresee).
        func counted(_ weights: WeightMatrix) -> WeightMatrix {
            for region in [weights.values, weights.scales].compactMap({ $0 }) where region.buffer !== arena.buffer {
                weightBytes += region.buffer.allocation.blockSize
            }
            return weights
        }
        func tensor(_ name: String) throws -> Tensor {
            let variable = try file.variable(name)
            let shape = variable.shape.isEmpty ? [1] : variable.shape
            // Rows as stored (a convolution's output channels), so that int8 scales apply per row.
            let rows = shape[0]
            return counted(try backend.makeWeights(.float32, rows: rows, columns: variable.elementCount / max(rows, 1), in: arena) { destination in
                if image == nil { try file.fill(destination, from: name) }
            }).tensor.reshaped(shape)
        }
        func matrix(_ name: String) throws -> WeightMatrix {
            let variable = try file.variable(name)
            guard variable.shape.count == 2 else {
                throw WhisperError(.shapeMismatch, "\(file.path): \(name) has shape \(variable.shape); a weight matrix has two dimensions")
            }
            return counted(try backend.makeWeights(computeType, rows: variable.shape[0], columns: variable.shape[1], in: arena) { destination in
                if image == nil { try file.fill(destination, from: name) }
            })
        }
        let weights = try WhisperWeights(
            encoderLayers: dimensions.encoderLayers, decoderLayers: dimensions.decoderLayers,
            tensor: tensor, optionalTensor: { file.contains($0) ? try tensor($0) : nil }, matrix: matrix)
        if let image {
            guard image.computeType == computeType, image.byteCount == arena.buffer.byteCount,
                  weightBytes == arena.buffer.allocation.blockSize else {
                throw WhisperError(.invalidModel, "\(file.path): the model's weights no longer match the ones put to sleep "
                                   + "(\(image.byteCount) bytes in \(image.computeType), now \(arena.buffer.byteCount) in \(computeType)); load it again")
            }
            try image.words.withUnsafeBytes { try backend.write($0, to: DeviceRegion(arena.buffer, byteCount: image.byteCount)) }
        }
        return WhisperModel(backend: backend, weights: weights, arena: arena, encoderHeads: dimensions.encoderHeads,
                            decoderHeads: dimensions.decoderHeads, weightBytes: weightBytes,
                            computeType: computeType, alignmentHeads: model.config.alignmentHeads)
    }

    /// Bytes of the arena for `file` in `computeType`: every array variable (scalars are
    /// settings, `_scale`s are regenerated), matrices (`…weight`, two dimensions) in the compute
    /// type with int8 scales, the rest in float32 — the rule `WhisperWeights` loads by.
    static func arenaBytes(_ file: ModelFile, computeType: ComputeType) -> Int {
        WeightArena.byteCount(of: file.variables.filter { !$0.isScalar && !$0.name.hasSuffix("_scale") }.flatMap { variable -> [Int] in
            guard WhisperWeights.isMatrix(variable.name, rank: variable.rank) else { return [variable.elementCount * 4] }
            let rows = variable.shape[0]
            return [variable.elementCount * computeType.elementSize] + (computeType == .int8 ? [rows * 4] : [])
        })
    }
}
