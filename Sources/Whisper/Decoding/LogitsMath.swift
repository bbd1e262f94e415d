import CPUKernels
import Foundation

/// The few reductions decoding needs, in `Float` and in the same arrangement as CTranslate2's
/// CPU kernels (`log_softmax(x) = x + (-max - log Σ exp(x - max))`), so that rounding follows the
/// reference as closely as another exp can (the long reductions run in `CPUKernels`).
public enum LogitsMath {
    /// The value CTranslate2 writes into a disabled logit: the lowest finite float, not -inf,
    /// so that a row with every token disabled still normalises to finite numbers.
    public static let disabled: Float = -Float.greatestFiniteMagnitude

    /// Log-softmax of a whole row.
    public static func logSoftmax(_ logits: [Float]) -> [Float] {
        shifted(logits, by: logSoftmaxShift(logits))
    }

    /// What log-softmax adds to every entry of the row: `-max - log Σ exp(x - max)`. A decoding
    /// step needs it once; the timestamp rule and the choice of token share it (see
    /// ``LogitsRules/apply(to:step:sampleBegin:sequence:)``).
    public static func logSoftmaxShift(_ logits: [Float]) -> Float {
        let top = maximum(logits[...])
        return -top - log(expSum(logits[...], minus: top))
    }

    /// `x + shift` for every entry, rounded once each, as the reference's kernel does.
    public static func shifted(_ values: some Collection<Float>, by shift: Float) -> [Float] {
        values.map { $0 + shift }
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
        values.withUnsafeBufferPointer { auris_maximum($0.baseAddress, $0.count, disabled) }
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
    /// eight float lanes, reduced pairwise across lanes, then the remainder one by one
    /// (`auris_exp_sum`). A single float accumulator drifts by ~1e-4 per step over a 51 865-token
    /// row, enough to move `avg_logprob` visibly; this arrangement stays within rounding of the
    /// reference.
    static func expSum(_ values: ArraySlice<Float>, minus top: Float) -> Float {
        values.withUnsafeBufferPointer { auris_exp_sum($0.baseAddress, $0.count, top) }
    }
}
