import DeviceMemory
import GPU

/// Runs every operation of ``ComputeBackend`` on two backends with the same inputs and reports
/// how far apart the results are: the check that a new device computes what the CPU computes.
///
/// Shapes are Whisper's (tiny's width, a decoding step's single row, a window's 1500 frames),
/// so the kernels are exercised at the sizes and the odd remainders they meet in use.
public struct BackendAgreement {
    public let reference: any ComputeBackend
    public let candidate: any ComputeBackend

    public init(reference: any ComputeBackend, candidate: any ComputeBackend) {
        self.reference = reference
        self.candidate = candidate
    }

    /// One operation's largest difference, relative to max(1, |reference|).
    public struct Result: Sendable, CustomStringConvertible {
        public let operation: String
        public let largestDifference: Float
        public let tolerance: Float
        public var passed: Bool { largestDifference <= tolerance }
        public var description: String {
            "\(passed ? "ok  " : "FAIL") \(operation): largest relative difference \(largestDifference) (tolerance \(tolerance))"
        }
    }

    public func run() throws -> [Result] {
        var results: [Result] = []
        func check(_ operation: String, tolerance: Float = 1e-4, _ body: (any ComputeBackend) throws -> Tensor) throws {
            let expected = try reference.download(body(reference)), actual = try candidate.download(body(candidate))
            precondition(expected.count == actual.count, "\(operation): \(expected.count) vs \(actual.count) values")
            let difference = zip(expected, actual).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            results.append(Result(operation: operation, largestDifference: difference.isNaN ? .infinity : difference, tolerance: tolerance))
        }
        for rows in [1, 3, 1500] {
            try check("linear \(rows)×384 → 1536 with bias") { try $0.linear(upload($0, [rows, 384], 1), weight: upload($0, [1536, 384], 2), bias: upload($0, [1536], 3)) }
        }
        try check("linear 2×384 → 51864, no bias") { try $0.linear(upload($0, [2, 384], 4), weight: upload($0, [51864, 384], 5), bias: nil) }
        try check("conv1d 80×3000, kernel 3, stride 1") { try $0.conv1d(upload($0, [80, 3000], 6), weight: upload($0, [384, 80, 3], 7), bias: upload($0, [384], 8), stride: 1, padding: 1) }
        try check("conv1d 384×3000, kernel 3, stride 2") { try $0.conv1d(upload($0, [384, 3000], 9), weight: upload($0, [384, 384, 3], 10), bias: upload($0, [384], 11), stride: 2, padding: 1) }
        try check("add, same shape") { backend in let x = try upload(backend, [37, 384], 12); try backend.addInPlace(x, upload(backend, [37, 384], 13)); return x }
        try check("add, one row broadcast") { backend in let x = try upload(backend, [1500, 384], 14); try backend.addInPlace(x, upload(backend, [384], 15)); return x }
        try check("layer norm 1500×384") { try $0.layerNorm(upload($0, [1500, 384], 16), gamma: upload($0, [384], 17), beta: upload($0, [384], 18), epsilon: 1e-5) }
        try check("layer norm 1×1280") { try $0.layerNorm(upload($0, [1, 1280], 19), gamma: upload($0, [1280], 20), beta: upload($0, [1280], 21), epsilon: 1e-5) }
        try check("gelu 1500×1536") { backend in let x = try upload(backend, [1500, 1536], 22, scale: 4); try backend.geluInPlace(x); return x }
        try check("transpose 384×1500") { try $0.transpose(upload($0, [384, 1500], 23)) }
        try check("transpose 33×65") { try $0.transpose(upload($0, [33, 65], 24)) }
        try check("gather rows") { try $0.gatherRows(upload($0, [448, 384], 25), rows: [3, 447, 0, 3, 200]) }
        try check("copy columns into a cache at row 5") { backend in
            let cache = try upload(backend, [448, 384], 26)
            try backend.copyColumns(of: upload(backend, [3, 1152], 27), columnStart: 384, width: 384, into: cache, destinationRow: 5)
            return cache
        }
        try check("attention, encoder 1500 × 6 heads") { try $0.attention(query: upload($0, [1500, 384], 28), keys: upload($0, [1500, 384], 29), values: upload($0, [1500, 384], 30), keyCount: 1500, heads: 6, causal: false) }
        try check("attention, decoding step over 7 of 448 cached") { try $0.attention(query: upload($0, [1, 384], 31), keys: upload($0, [448, 384], 32), values: upload($0, [448, 384], 33), keyCount: 7, heads: 6, causal: true) }
        try check("attention, causal prompt of 4") { try $0.attention(query: upload($0, [4, 384], 34), keys: upload($0, [448, 384], 35), values: upload($0, [448, 384], 36), keyCount: 9, heads: 6, causal: true) }
        try check("linear 5×1536 → 383 with bias") { try $0.linear(upload($0, [5, 1536], 37), weight: upload($0, [383, 1536], 38), bias: upload($0, [383], 39)) }
        try check("cross attention, 1 query over fused keys|values of 1500") {
            try $0.crossAttention(query: upload($0, [1, 384], 40), fusedKeyValues: WeightMatrix(upload($0, [1500, 768], 41)), heads: 6)
        }
        try check("cross attention, 12 queries over fused keys|values of 1500") {
            try $0.crossAttention(query: upload($0, [12, 384], 42), fusedKeyValues: WeightMatrix(upload($0, [1500, 768], 43)), heads: 6)
        }
        return results
    }

    /// Deterministic values in [-scale, scale], the same on both backends.
    private func upload(_ backend: any ComputeBackend, _ shape: [Int], _ seed: Int, scale: Float = 1) throws -> Tensor {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        return try backend.upload(values, shape: shape)
    }
}
