import Foundation

/// The few reductions decoding needs, in `Float` and in the same arrangement as CTranslate2's
/// CPU kernels (`log_softmax(x) = x + (-max - log Σ exp(x - max))`), so that rounding follows the
/// reference as closely as a scalar loop can.
public enum LogitsMath {
    /// The value CTranslate2 writes into a disabled logit: the lowest finite float, not -inf,
    /// so that a row with every token disabled still normalises to finite numbers.
    public static let disabled: Float = -Float.greatestFiniteMagnitude

    /// Log-softmax of a whole row.
    public static func logSoftmax(_ logits: [Float]) -> [Float] {
        let top = maximum(logits[...])
        let shift = -top - log(expSum(logits[...], minus: top))
        return logits.map { $0 + shift }
    }

    /// Softmax of a whole row.
    public static func softmax(_ logits: [Float]) -> [Float] {
        let top = maximum(logits[...])
        let scale = 1 / expSum(logits[...], minus: top)
        return logits.map { exp($0 - top) * scale }
    }

    /// `log Σ exp(x)` over a slice.
    public static func logSumExp(_ values: ArraySlice<Float>) -> Float {
        let top = maximum(values)
        return log(expSum(values, minus: top)) + top
    }

    /// The largest value of a slice (the lowest float for an empty slice).
    public static func maximum(_ values: ArraySlice<Float>) -> Float {
        values.reduce(disabled) { Swift.max($0, $1) }
    }

    /// The index of the first largest value: CTranslate2's top-1 keeps the lowest index on ties.
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] {
            best = index
        }
        return best
    }

    /// `Σ exp(x - top)` accumulated as CTranslate2's AVX2 kernels do (its default CPU ISA):
    /// eight float lanes, reduced pairwise across lanes, then the remainder one by one. A single
    /// float accumulator drifts by ~1e-4 per step over a 51 865-token row, enough to move
    /// `avg_logprob` visibly; this arrangement stays within rounding of the reference.
    static func expSum(_ values: ArraySlice<Float>, minus top: Float) -> Float {
        let width = 8
        guard values.count > width else {
            return values.reduce(0) { $0 + exp($1 - top) }
        }
        let remainder = values.count % width
        let vectorEnd = values.endIndex - remainder
        var lanes = SIMD8<Float>(repeating: 0)
        var index = values.startIndex
        while index < vectorEnd {
            var chunk = SIMD8<Float>()
            for lane in 0..<width { chunk[lane] = exp(values[index + lane] - top) }
            lanes += chunk
            index += width
        }
        // _mm256 horizontal add: 128-bit, then 64-bit, then 32-bit shuffles.
        var total = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
            + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
        while index < values.endIndex {
            total += exp(values[index] - top)
            index += 1
        }
        return total
    }
}
