import COpenBLAS
import CPUKernels
import DeviceMemory

extension CPUBackend {
    /// Queries per block of the encoder's attention (see Note [Attention a block at a time]).
    static let attentionBlock = 128

    public func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor {
        let width = query.columns
        precondition(keys.columns == width && keyCount <= keys.rows, "attention: keys \(keys.shape) for width \(width)")
        return try attend(AttentionInput(query: query.hostPointer, keys: keys.hostPointer, values: values.hostPointer, stride: width),
                          queries: query.rows, keyCount: keyCount, width: width, heads: heads, causal: causal)
    }

    public func selfAttention(fused qkv: Tensor, heads: Int) throws -> Tensor {
        let width = qkv.columns / 3, base = qkv.hostPointer
        return try attend(AttentionInput(query: base, keys: base + width, values: base + 2 * width, stride: 3 * width),
                          queries: qkv.rows, keyCount: qkv.rows, width: width, heads: heads, causal: false)
    }

    /// Rows of a window projected at a time when its keys and values are narrowed to float16.
    static let keyValueBlock = 256

    /// Note [Cross-attention in float16]: a decoding step reads the keys and values of all 1500
    /// frames in every layer: 18.4 MB per step for tiny in float32, as much as its int8 weights.
    /// The compact compute types keep them in float16 (rounded once, when the window is
    /// encoded), which halves both that traffic and the memory a window holds, as whisper.cpp
    /// does; products and the softmax stay float32. float32 keeps them as they are.
    ///
    /// The float16 copy is laid out for reading: all keys, then all values, each head by head
    /// (`[2][heads][frames][headWidth]`), so that a step reads every head's keys and values as
    /// one sequential stream instead of 128-byte pieces 1.5 KB apart. The projection runs a
    /// block of rows at a time, so that its float32 result is never whole.
    public func projectKeyValues(_ x: Tensor, weights: WeightMatrix, bias: Tensor?, heads: Int, for computeType: ComputeType) throws -> WeightMatrix {
        guard computeType != .float32 else { return WeightMatrix(try linear(x, weights: weights, bias: bias)) }
        let frames = x.rows, fused = weights.rows, width = fused / 2, headWidth = width / heads
        return try makeWeights(.float16, rows: frames, columns: fused, in: nil) { destination in
            let target = destination.values.assumingMemoryBound(to: UInt16.self)
            for start in Swift.stride(from: 0, to: frames, by: Self.keyValueBlock) {
                let rows = Array(start..<min(start + Self.keyValueBlock, frames))
                let block = try linear(gatherRows(x, rows: rows), weights: weights, bias: bias)
                let source = block.hostPointer
                parallelRanges(rows.count, minimumPerThread: 64) { part in
                    for row in part {
                        for piece in 0..<(2 * heads) {  // keys of each head, then values of each head
                            let half = piece / heads, head = piece % heads
                            let into = target + half * frames * width + (head * frames + start + row) * headWidth
                            auris_f32_to_f16(source + row * fused + piece * headWidth, into, headWidth)
                        }
                    }
                }
            }
        }
    }

    public func crossAttention(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int) throws -> Tensor {
        let width = query.columns
        precondition(keyValues.columns == 2 * width, "cross attention: keys|values \(keyValues.rows)×\(keyValues.columns) for width \(width)")
        guard keyValues.type == .float16 else {
            let base = keyValues.tensor.hostPointer
            return try attend(AttentionInput(query: query.hostPointer, keys: base, values: base + width, stride: 2 * width, queryStride: width),
                              queries: query.rows, keyCount: keyValues.rows, width: width, heads: heads, causal: false)
        }
        return try attendHalf(query: query, keyValues: keyValues, heads: heads)
    }

    public func crossAttentionScores(query: Tensor, fusedKeyValues keyValues: WeightMatrix, heads: Int, head: Int) throws -> [Float] {
        let width = query.columns, headWidth = width / heads, frames = keyValues.rows
        guard keyValues.type == .float16 else {
            let base = keyValues.tensor.hostPointer, scale = 1 / Float(headWidth).squareRoot()
            var scores = [Float](repeating: 0, count: query.rows * frames)
            scores.withUnsafeMutableBufferPointer { s in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(query.rows), Int32(frames), Int32(headWidth), scale,
                            query.hostPointer + head * headWidth, Int32(width), base + head * headWidth, Int32(2 * width),
                            0, s.baseAddress, Int32(frames))
            }
            return scores
        }
        // The keys of each head are contiguous in the float16 layout of `projectKeyValues`.
        let keys = keyValues.halfPointer + head * frames * headWidth, scale = 1 / Float(headWidth).squareRoot()
        var scores = [Float](repeating: 0, count: query.rows * frames)
        scores.withUnsafeMutableBufferPointer { s in
            for row in 0..<query.rows {
                auris_scores_f16(keys, frames, headWidth, headWidth, query.hostPointer + row * width + head * headWidth, scale,
                                 s.baseAddress! + row * frames)
            }
        }
        return scores
    }

    /// Attention over float16 keys and values in the layout of `projectKeyValues`, a (query,
    /// head) at a time: scores, softmax and weighted sum, each one sequential pass.
    private func attendHalf(query: Tensor, keyValues: WeightMatrix, heads: Int) throws -> Tensor {
        let queries = query.rows, width = query.columns, headWidth = width / heads, frames = keyValues.rows
        let output = try makeTensor(shape: [queries, width])
        let tasks = queries * heads
        let scratch = try makeTensor(shape: [min(threads, tasks), frames])
        let scale = 1 / Float(headWidth).squareRoot()
        let q = query.hostPointer, out = output.hostPointer, scores = scratch.hostPointer
        let keys = keyValues.halfPointer, values = keys + frames * width
        parallelParts(tasks, minimumPerThread: 2) { part, range in
            let s = scores + part * frames
            for task in range {
                let row = task / heads, head = task % heads, offset = head * headWidth
                let headKeys = keys + head * frames * headWidth, headValues = values + head * frames * headWidth
                auris_scores_f16(headKeys, frames, headWidth, headWidth, q + row * width + offset, scale, s)
                auris_softmax(s, frames, frames)
                auris_weighted_sum_f16(headValues, frames, headWidth, headWidth, s, out + row * width + offset)
            }
        }
        return output
    }

    /// Where the rows of queries, keys and values start, `stride` floats apart.
    struct AttentionInput {
        let query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>
        /// Floats between rows of keys and values (and of queries, unless `queryStride` says).
        let stride: Int
        var queryStride: Int?

        init(query: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, stride: Int, queryStride: Int? = nil) {
            (self.query, self.keys, self.values, self.stride, self.queryStride) = (query, keys, values, stride, queryStride)
        }
    }

    /// Note [Attention a block at a time]: the encoder's 1500 frames would need a 1500 × 1500
    /// score matrix per head (54 MB for tiny's six heads) if scores were computed whole, written
    /// out and read back. Instead each (head, block of 128 queries) is one task: its scores
    /// (128 × 1500 floats, 750 KB, in the L2 cache) are computed, normalised and multiplied by
    /// the values before the next block reuses the same scratch. (64 packs the values twice as
    /// often; 256 spills the L2 cache: both measured slower.) A decoding step is one query per
    /// head: matrix-vector products over a scratch of `keyCount` scores.
    private func attend(_ input: AttentionInput, queries: Int, keyCount: Int, width: Int, heads: Int, causal: Bool) throws -> Tensor {
        let headWidth = width / heads, ld = Int32(input.stride)
        let queryStride = input.queryStride ?? input.stride, ldq = Int32(queryStride)
        let output = try makeTensor(shape: [queries, width])
        let block = min(queries, Self.attentionBlock)
        let blocks = (queries + block - 1) / block, tasks = heads * blocks
        // One scratch per thread, from the allocator like every other buffer.
        let scratch = try makeTensor(shape: [min(threads, tasks), block, keyCount])
        let scale = 1 / Float(headWidth).squareRoot()
        let firstPosition = keyCount - queries
        let out = output.hostPointer, scores = scratch.hostPointer
        parallelParts(tasks, minimumPerThread: queries * keyCount >= 4096 ? 1 : tasks) { part, range in
            let s = scores + part * block * keyCount
            for task in range {
                let head = task / blocks, first = (task % blocks) * block, count = min(block, queries - first)
                let q = input.query + first * queryStride + head * headWidth
                let k = input.keys + head * headWidth, v = input.values + head * headWidth
                let o = out + first * width + head * headWidth
                if count == 1 {
                    // One decoding step: matrix-vector products (see Note [Matrix-vector for decoding]).
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(keyCount), Int32(headWidth), scale, k, ld, q, 1, 0, s, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(keyCount), Int32(headWidth),
                                scale, q, ldq, k, ld, 0, s, Int32(keyCount))
                }
                for row in 0..<count {
                    let visible = causal ? min(keyCount, firstPosition + first + row + 1) : keyCount
                    auris_softmax(s + row * keyCount, visible, keyCount)
                }
                if count == 1 {
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(keyCount), Int32(headWidth), 1, v, ld, s, 1, 0, o, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(headWidth), Int32(keyCount),
                                1, s, Int32(keyCount), v, ld, 0, o, Int32(width))
                }
            }
        }
        return output
    }
}
