import CPUKernels
import Foundation
import Testing

/// The C kernels against definitions written here, on both implementations (AVX2 where the CPU
/// has it, and the portable C every CPU runs). Integer results must be identical; float results
/// within a few units in the last place.
@Suite("CPU kernels", .serialized)
struct CPUKernelTests {
    static let implementations = [false, true]

    func with<T>(portable: Bool, _ body: () throws -> T) rethrows -> T {
        auris_kernels_force_portable(portable ? 1 : 0)
        defer { auris_kernels_force_portable(0) }
        return try body()
    }

    func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    @Test(arguments: implementations)
    func halfToFloatIsExactForEveryHalf(portable: Bool) {
        let halves = (0...UInt16.max).map { $0 }
        var floats = [Float](repeating: 0, count: halves.count)
        with(portable: portable) { auris_f16_to_f32(halves, &floats, halves.count) }
        for (bits, value) in zip(halves, floats) {
            let expected = Float(Float16(bitPattern: bits))
            #expect(value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN), "half \(bits)")
        }
    }

    @Test(arguments: implementations)
    func floatToHalfRoundsToNearestEven(portable: Bool) {
        var values = random(10_000, seed: 1, scale: 70_000)
        values += [0, -0, 65504, 65519.99, 65520, 1e-8, 5.96e-8, 2.98e-8, 6.1e-5, .infinity, -.infinity] + random(1000, seed: 2, scale: 1e-4)
        var halves = [UInt16](repeating: 0, count: values.count)
        with(portable: portable) { auris_f32_to_f16(values, &halves, values.count) }
        for (value, half) in zip(values, halves) {
            #expect(half == Float16(value).bitPattern, "\(value)")
        }
    }

    @Test(arguments: implementations)
    func halfMatrixVectorProduct(portable: Bool) {
        let rows = 37, columns = 389  // odd sizes: vector tails on both sides
        let weights = random(rows * columns, seed: 3).map { Float16($0) }
        let x = random(columns, seed: 4)
        var y = random(rows, seed: 5)
        let start = y
        weights.withUnsafeBufferPointer { w in
            w.withMemoryRebound(to: UInt16.self) { bits in
                with(portable: portable) { auris_gemv_f16(bits.baseAddress, rows, columns, x, &y) }
            }
        }
        for r in 0..<rows {
            let expected = start[r] + (0..<columns).reduce(Float(0)) { $0 + Float(weights[r * columns + $1]) * x[$1] }
            #expect(abs(y[r] - expected) <= 1e-4 * max(1, abs(expected)), "row \(r)")
        }
    }

    @Test(arguments: implementations)
    func weightAndActivationQuantisationFollowCTranslate2(portable: Bool) {
        let row = random(389, seed: 6, scale: 3) + [0.5 / (127 / 3), -2.999]
        var weights = [Int8](repeating: 0, count: row.count), activations = weights
        let (weightScale, activationScale) = with(portable: portable) {
            (auris_quantize_weight_row(row, row.count, &weights), auris_quantize_activation_row(row, row.count, &activations))
        }
        let amax = row.map(abs).max()!
        #expect(weightScale == 127 / amax && activationScale == 127 / amax)
        for (index, value) in row.enumerated() {
            #expect(weights[index] == Int8((value * weightScale).rounded(.toNearestOrEven)))
            let shifted = value * activationScale + 128  // the product rounded, then the sum
            #expect(activations[index] == Int8(Int(shifted.rounded(.toNearestOrEven)) - 128))
        }
        var zeros = [Int8](repeating: 1, count: 8)
        #expect(with(portable: portable) { auris_quantize_weight_row([Float](repeating: 0, count: 8), 8, &zeros) } == 1)
        #expect(zeros.allSatisfy { $0 == 0 })
    }

    @Test(arguments: implementations)
    func integerProductsAreExact(portable: Bool) {
        let m = 7, n = 29, depth = 80
        let a = (0..<(m * depth)).map { Int8(truncatingIfNeeded: ($0 * 37) % 255 - 127) }
        let w = (0..<(n * depth)).map { Int8(truncatingIfNeeded: ($0 * 91) % 255 - 127) }
        var gemm = [Int32](repeating: 0, count: m * n), gemv = [Int32](repeating: 0, count: n)
        with(portable: portable) {
            auris_gemm_s8(a, m, w, n, depth, &gemm, n)
            auris_gemv_s8(w, n, depth, a, &gemv)
        }
        for i in 0..<m {
            for j in 0..<n {
                let exact = (0..<depth).reduce(Int32(0)) { $0 + Int32(a[i * depth + $1]) * Int32(w[j * depth + $1]) }
                #expect(gemm[i * n + j] == exact, "(\(i), \(j))")
                if i == 0 { #expect(gemv[j] == exact) }
            }
        }
        // The extremes: every pair summing near the int16 limit must not saturate.
        let extreme = [Int8](repeating: -127, count: 64)
        var out: Int32 = 0
        with(portable: portable) { auris_gemv_s8(extreme, 1, 64, extreme, &out) }
        #expect(out == 64 * 127 * 127)
    }

    @Test(arguments: implementations)
    func softmaxAndGeluAgreeWithLibm(portable: Bool) {
        var row = random(1500, seed: 7, scale: 30) + [-200, 88, -87.4]
        let reference = row.map(Double.init)
        let maximum = reference[..<1000].max()!
        let sum = reference[..<1000].reduce(0) { $0 + exp($1 - maximum) }
        with(portable: portable) { auris_softmax(&row, 1000, row.count) }
        for index in 0..<1000 {
            let expected = exp(reference[index] - maximum) / sum
            #expect(abs(Double(row[index]) - expected) <= 2e-6 * expected + 1e-12, "\(index)")
        }
        #expect(row[1000...].allSatisfy { $0 == 0 }, "hidden positions are zero")

        var values = random(1001, seed: 8, scale: 8) + [0, -0.0, 1e-20, -6, 40]
        let inputs = values.map(Double.init)
        with(portable: portable) { auris_gelu(&values, values.count) }
        for (value, x) in zip(values, inputs) {
            let expected = 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            #expect(abs(Double(value) - expected) <= 2e-6 * abs(expected) + 1e-9, "gelu(\(x))")
        }
    }

    /// A logits row's reductions: the maximum exactly (disabled entries and all), the exp sum
    /// within rounding of a double-precision sum, short rows summed in order by both.
    @Test(arguments: implementations)
    func logitsRowReductions(portable: Bool) {
        let disabled = -Float.greatestFiniteMagnitude
        var row = random(51_865, seed: 11, scale: 12)
        for index in stride(from: 0, to: row.count, by: 7) { row[index] = disabled }
        row[51_000] = 13.5
        let top = with(portable: portable) { auris_maximum(row, row.count, disabled) }
        #expect(top == 13.5)
        #expect(with(portable: portable) { auris_maximum(row, 0, disabled) } == disabled)
        #expect(with(portable: portable) { auris_maximum([disabled, disabled], 2, disabled) } == disabled)

        let expected = row.reduce(0.0) { $0 + exp(Double($1) - Double(top)) }
        let sum = with(portable: portable) { auris_exp_sum(row, row.count, top) }
        #expect(abs(Double(sum) - expected) <= 1e-5 * expected, "\(sum) against \(expected)")
        let short: [Float] = [0, -1, -2, disabled, -0.5]
        let inOrder = short.reduce(Float(0)) { $0 + expf($1) }
        #expect(with(portable: portable) { auris_exp_sum(short, short.count, 0) } == inOrder)
    }

    /// An LSTM step's state update against its definition in double precision, with gates
    /// from far below to far above the sigmoid's and tanh's bends (hidden 128 as Silero VAD's,
    /// and 12, which the AVX2 version hands to the portable one).
    @Test(arguments: implementations)
    func lstmCell(portable: Bool) {
        for hidden in [128, 12] {
            let gates = random(4 * hidden, seed: 21, scale: 30)
            let cell = random(hidden, seed: 22, scale: 3)
            var h = [Float](repeating: 0, count: hidden), c = cell
            with(portable: portable) { auris_lstm_cell(gates, &h, &c, hidden) }
            func sigmoid(_ x: Float) -> Double { 1 / (1 + exp(-Double(x))) }
            for j in 0..<hidden {
                let state = sigmoid(gates[2 * hidden + j]) * Double(cell[j]) + sigmoid(gates[j]) * tanh(Double(gates[3 * hidden + j]))
                let output = sigmoid(gates[hidden + j]) * tanh(state)
                #expect(abs(Double(c[j]) - state) <= 1e-6 * max(1, abs(state)), "c[\(j)] = \(c[j]), expected \(state)")
                #expect(abs(Double(h[j]) - output) <= 1e-6, "h[\(j)] = \(h[j]), expected \(output)")
            }
        }
    }

    @Test func theTwoImplementationsGiveIdenticalIntegersAndCloseFloats() {
        let x = random(384, seed: 9)
        var fast = [Int8](repeating: 0, count: 384), portable = fast
        let fastScale = auris_quantize_activation_row(x, 384, &fast)
        let portableScale = with(portable: true) { auris_quantize_activation_row(x, 384, &portable) }
        #expect(fast == portable && fastScale == portableScale)
    }
}
