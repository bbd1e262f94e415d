import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

extension CPUBackend {
    public func attention(query: Tensor, keys: Tensor, values: Tensor, keyCount: Int, heads: Int, causal: Bool) throws -> Tensor {
        let queries = query.rows, width = query.columns, headWidth = width / heads
        precondition(keys.columns == width && keyCount <= keys.rows, "attention: keys \(keys.shape) for width \(width)")
        let output = try makeTensor(shape: [queries, width])
        // One score matrix per head, from the allocator like every other buffer.
        let scores = try makeTensor(shape: [heads, queries, keyCount])
        let scale = 1 / Float(headWidth).squareRoot()
        let firstPosition = keyCount - queries
        let q = query.hostPointer, k = keys.hostPointer, v = values.hostPointer
        let out = output.hostPointer, allScores = scores.hostPointer
        // Heads are independent: spread them over the threads (a decoding step's are too small to).
        parallelRanges(heads, minimumPerThread: queries * keyCount >= 4096 ? 1 : heads) { headRange in
            for head in headRange {
                let s = allScores + head * queries * keyCount
                let offset = head * headWidth
                if queries == 1 {
                    // One decoding step: matrix-vector products (see Note [Matrix-vector for decoding]).
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(keyCount), Int32(headWidth), scale,
                                k + offset, Int32(width), q + offset, 1, 0, s, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queries), Int32(keyCount), Int32(headWidth),
                                scale, q + offset, Int32(width), k + offset, Int32(width), 0, s, Int32(keyCount))
                }
                for row in 0..<queries {
                    let visible = causal ? min(keyCount, firstPosition + row + 1) : keyCount
                    softmax(s + row * keyCount, visible: visible, total: keyCount)
                }
                if queries == 1 {
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(keyCount), Int32(headWidth), 1,
                                v + offset, Int32(width), s, 1, 0, out + offset, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(queries), Int32(headWidth), Int32(keyCount),
                                1, s, Int32(keyCount), v + offset, Int32(width), 0, out + offset, Int32(width))
                }
            }
        }
        return output
    }

    /// Softmax over the first `visible` entries; the rest (future positions) become 0.
    private func softmax(_ row: UnsafeMutablePointer<Float>, visible: Int, total: Int) {
        var maximum = -Float.infinity
        for i in 0..<visible where row[i] > maximum { maximum = row[i] }
        var sum: Float = 0
        for i in 0..<visible {
            let e = expf(row[i] - maximum)
            row[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<visible { row[i] *= inverse }
        for i in visible..<total { row[i] = 0 }
    }
}

