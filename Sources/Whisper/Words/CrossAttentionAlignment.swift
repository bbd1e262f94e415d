/// Note [Words from the cross-attention]: Whisper writes no time for a word, but some of its
/// decoder's cross-attention heads (the model's `alignment_heads`) look at the frames where the
/// token being read was spoken. Feeding the finished text back through the decoder in one call
/// and reading those heads gives, per token, a distribution over the window's frames; a
/// monotonic path through them (dynamic time warping) says where each token starts. This is
/// what CTranslate2's `Whisper.align` computes for faster-whisper's `word_timestamps=True`,
/// step for step: scores over the content frames only (`num_frames / 2`, the encoder's stride
/// being 2), a softmax per token, each frame normalised across the tokens (mean 0, variance 1,
/// no epsilon), a median filter of width 7 along the frames (reflected at the edges), the mean
/// over heads, then the path that maximises the summed weights.
enum CrossAttentionAlignment {
    /// The (text row, frame) pairs of the path through `reading`'s rows `rows` (the
    /// `<|notimestamps|>` row and one per text token), over the first `frames` encoder frames.
    static func path(_ reading: CrossAttentionReading, rows: Range<Int>, frames: Int, medianWidth: Int = 7) -> [(row: Int, frame: Int)] {
        let tokens = reading.scores.first.map { $0.count / reading.frames } ?? 0
        guard frames > 0, !rows.isEmpty, rows.upperBound <= tokens else { return [] }
        var mean = [Float](repeating: 0, count: rows.count * frames)
        for headScores in reading.scores {
            var weights = (0..<tokens).flatMap { token in
                LogitsMath.softmax(Array(headScores[(token * reading.frames)..<(token * reading.frames + frames)]))
            }
            normaliseAcrossTokens(&weights, tokens: tokens, frames: frames)
            for (index, token) in rows.enumerated() {
                let filtered = medianFiltered(weights[(token * frames)..<((token + 1) * frames)], width: medianWidth)
                for frame in 0..<frames { mean[index * frames + frame] += filtered[frame] }
            }
        }
        let scale = 1 / Float(reading.scores.count)
        return negativeDTW(mean.map { $0 * scale }, rows: rows.count, columns: frames)
    }

    /// Each frame's column made mean 0 and variance 1 across the tokens (CTranslate2's
    /// `LayerNorm(axis: -2, epsilon: 0)`).
    static func normaliseAcrossTokens(_ weights: inout [Float], tokens: Int, frames: Int) {
        for frame in 0..<frames {
            var sum: Float = 0
            for token in 0..<tokens { sum += weights[token * frames + frame] }
            let mean = sum / Float(tokens)
            var squares: Float = 0
            for token in 0..<tokens {
                let d = weights[token * frames + frame] - mean
                squares += d * d
            }
            let deviation = (squares / Float(tokens)).squareRoot()
            for token in 0..<tokens {
                weights[token * frames + frame] = (weights[token * frames + frame] - mean) / deviation
            }
        }
    }

    /// The median of each `width` neighbourhood, reflected at both ends; rows no longer than
    /// half the width pass through unchanged, as in CTranslate2.
    static func medianFiltered(_ row: ArraySlice<Float>, width: Int) -> [Float] {
        let values = Array(row), count = values.count, half = width / 2
        guard count > half else { return values }
        var window = [Float](repeating: 0, count: width)
        return (0..<count).map { position in
            for offset in -half...half {
                var read = abs(position + offset)
                if read >= count { read = count - (read - count) - 2 }
                window[offset + half] = values[read]
            }
            window.sort()
            return window[half]
        }
    }

    /// The monotonic path from the first to the last cell that minimises the summed cost
    /// `-x`, each step diagonal, down or right, ties going right then down as CTranslate2's
    /// `negative_dtw` breaks them.
    static func negativeDTW(_ x: [Float], rows: Int, columns: Int) -> [(row: Int, frame: Int)] {
        let stride = columns + 1
        var cost = [Float](repeating: .infinity, count: (rows + 1) * stride)
        var trace = [UInt8](repeating: 0, count: (rows + 1) * stride)
        cost[0] = 0
        for j in 1...columns {
            for i in 1...rows {
                let diagonal = cost[(i - 1) * stride + j - 1], up = cost[(i - 1) * stride + j], left = cost[i * stride + j - 1]
                let (c, t): (Float, UInt8)
                if diagonal < up && diagonal < left {
                    (c, t) = (diagonal, 0)
                } else if up < diagonal && up < left {
                    (c, t) = (up, 1)
                } else {
                    (c, t) = (left, 2)
                }
                cost[i * stride + j] = -x[(i - 1) * columns + j - 1] + c
                trace[i * stride + j] = t
            }
        }
        var path: [(row: Int, frame: Int)] = []
        var i = rows, j = columns
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            // The first row only moves right and the first column only down.
            let step: UInt8 = i == 0 ? 2 : (j == 0 ? 1 : trace[i * stride + j])
            switch step {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }
}
