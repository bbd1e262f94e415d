/// Chooses the next token from log-probabilities, as CTranslate2's samplers do
/// (`src/sampling.cc`): the most probable token at temperature 0 (`BestSampler`), otherwise a
/// draw from `softmax(logProbs * (1 / temperature))` over the whole vocabulary
/// (`RandomSampler` with `sampling_topk=0`, which faster-whisper passes).
public enum TokenSampler {
    /// The chosen token. `rng` is only used when `temperature > 0`.
    public static func choose(
        from logProbs: [Float], temperature: Double, using rng: inout some RandomNumberGenerator
    ) -> Int {
        guard temperature > 0 else { return LogitsMath.argmax(logProbs) }
        let scale = Float(1) / Float(temperature)
        let probabilities = LogitsMath.softmax(logProbs.map { $0 * scale })
        return draw(from: probabilities, using: &rng)
    }

    /// A draw from a discrete distribution by walking its cumulative sum.
    static func draw(from probabilities: [Float], using rng: inout some RandomNumberGenerator) -> Int {
        let total = probabilities.reduce(0.0) { $0 + Double($1) }
        let target = Double.random(in: 0..<1, using: &rng) * total
        var cumulative = 0.0
        var lastPossible = 0
        for (token, probability) in probabilities.enumerated() where probability > 0 {
            cumulative += Double(probability)
            lastPossible = token
            if target < cumulative { return token }
        }
        // Rounding can leave the target just past the sum: the last possible token is meant.
        return lastPossible
    }
}

/// A small deterministic generator (SplitMix64) so that sampling at temperatures above 0 can be
/// replayed from a seed in tests and in bug reports.
public struct SeededRandomGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
