import CPUKernels
import DeviceMemory
import Foundation
import Tensor
import Testing

/// Products with float16 and int8 weights, the blocked attention, float16 cross-attention and
/// the weight arena, each against a definition written here.
@Suite("Compute types on the CPU")
struct ComputeTypeTests {
    let backend: CPUBackend
    init() throws {
        backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 2)
    }

    func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    /// Weights made from float32 values the way the model loader makes them.
    func weights(_ values: [Float], rows: Int, columns: Int, _ type: ComputeType, arena: WeightArena? = nil) throws -> WeightMatrix {
        try backend.makeWeights(type, rows: rows, columns: columns, in: arena) { destination in
            for r in 0..<rows {
                let row = Array(values[(r * columns)..<((r + 1) * columns)])
                switch type {
                case .float32: (destination.values.assumingMemoryBound(to: Float.self) + r * columns).update(from: row, count: columns)
                case .float16: auris_f32_to_f16(row, destination.values.assumingMemoryBound(to: UInt16.self) + r * columns, columns)
                case .int8:
                    destination.scales![r] = auris_quantize_weight_row(row, columns, destination.values.assumingMemoryBound(to: Int8.self) + r * columns)
                }
            }
        }
    }

    @Test(arguments: [1, 2, 40])
    func halfWeightsMultiplyAsTheirFloatValues(rows: Int) throws {
        let inputs = 96, outputs = 70
        let w = random(outputs * inputs, seed: 1).map { Float(Float16($0)) }  // exactly representable
        let x = try backend.upload(random(rows * inputs, seed: 2), shape: [rows, inputs]), bias = try backend.upload(random(outputs, seed: 3), shape: [outputs])
        let half = try backend.download(backend.linear(x, weights: weights(w, rows: outputs, columns: inputs, .float16), bias: bias))
        let single = try backend.download(backend.linear(x, weight: backend.upload(w, shape: [outputs, inputs]), bias: bias))
        #expect(close(half, single, 1e-4))
    }

    @Test(arguments: [1, 2, 40])
    func int8ProductsFollowTheQuantisedDefinition(rows: Int) throws {
        let inputs = 96, outputs = 70
        let w = random(outputs * inputs, seed: 4, scale: 0.2), xs = random(rows * inputs, seed: 5, scale: 3), b = random(outputs, seed: 6)
        let matrix = try weights(w, rows: outputs, columns: inputs, .int8)
        let out = try backend.download(backend.linear(backend.upload(xs, shape: [rows, inputs]), weights: matrix, bias: backend.upload(b, shape: [outputs])))
        var qw = [Int8](repeating: 0, count: inputs), qx = qw
        for r in 0..<rows {
            let xScale = auris_quantize_activation_row(Array(xs[(r * inputs)..<((r + 1) * inputs)]), inputs, &qx)
            for o in 0..<outputs {
                let wScale = auris_quantize_weight_row(Array(w[(o * inputs)..<((o + 1) * inputs)]), inputs, &qw)
                let acc = (0..<inputs).reduce(Int32(0)) { $0 + Int32(qx[$1]) * Int32(qw[$1]) }
                let expected = Float(acc) * (1 / xScale) / wScale + b[o]
                #expect(out[r * outputs + o] == expected, "row \(r), output \(o)")
            }
        }
    }

    @Test(arguments: [ComputeType.float16, .int8])
    func embeddingRowsComeBackAsFloats(type: ComputeType) throws {
        let table = random(50 * 24, seed: 7)
        let rows = try backend.download(backend.gatherRows(weights(table, rows: 50, columns: 24, type), rows: [3, 49, 3]))
        for (index, row) in [3, 49, 3].enumerated() {
            for c in 0..<24 {
                #expect(abs(rows[index * 24 + c] - table[row * 24 + c]) <= (type == .int8 ? 1.0 / 127 : 1e-3))
            }
        }
    }

    /// A naive attention in Double.
    func reference(_ q: [Float], _ k: [Float], _ v: [Float], queries: Int, keys: Int, width: Int, heads: Int, causal: Bool) -> [Float] {
        let headWidth = width / heads
        let scale = 1 / Double(headWidth).squareRoot()
        var out = [Float](repeating: 0, count: queries * width)
        for h in 0..<heads {
            for i in 0..<queries {
                let visible = causal ? keys - queries + i + 1 : keys
                var scores = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    var dot = 0.0
                    for d in 0..<headWidth { dot += Double(q[i * width + h * headWidth + d]) * Double(k[j * width + h * headWidth + d]) }
                    scores[j] = dot * scale
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for d in 0..<headWidth {
                    var sum = 0.0
                    for j in 0..<visible { sum += weights[j] / total * Double(v[j * width + h * headWidth + d]) }
                    out[i * width + h * headWidth + d] = Float(sum)
                }
            }
        }
        return out
    }

    func columns(_ values: [Float], rows: Int, stride: Int, part: Int, width: Int) -> [Float] {
        var result: [Float] = []
        for row in 0..<rows { result += values[(row * stride + part * width)..<(row * stride + (part + 1) * width)] }
        return result
    }

    func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test(arguments: [false, true])
    func blockedAttentionEqualsTheDefinition(causal: Bool) throws {
        let queries = 300, keys = causal ? 300 : 310, width = 128, heads = 2  // 300 > two 128-query blocks
        let q = random(queries * width, seed: 8), k = random(keys * width, seed: 9), v = random(keys * width, seed: 10)
        let out = try backend.download(backend.attention(query: backend.upload(q, shape: [queries, width]), keys: backend.upload(k, shape: [keys, width]),
                                                         values: backend.upload(v, shape: [keys, width]), keyCount: keys, heads: heads, causal: causal))
        let expected = reference(q, k, v, queries: queries, keys: keys, width: width, heads: heads, causal: causal)
        #expect(close(out, expected, 1e-5))
    }

    @Test func fusedSelfAttentionEqualsSeparateTensors() throws {
        let rows = 200, width = 128
        let qkv = random(rows * 3 * width, seed: 11)
        let fused = try backend.download(backend.selfAttention(fused: backend.upload(qkv, shape: [rows, 3 * width]), heads: 2))
        let parts = (0..<3).map { columns(qkv, rows: rows, stride: 3 * width, part: $0, width: width) }
        let expected = reference(parts[0], parts[1], parts[2], queries: rows, keys: rows, width: width, heads: 2, causal: false)
        #expect(close(fused, expected, 1e-5))
    }

    @Test(arguments: [ComputeType.float32, .float16])
    func crossAttentionOverProjectedKeysAndValues(type: ComputeType) throws {
        let frames = 300, width = 128, heads = 2, queries = 3
        let encoded = try backend.upload(random(frames * 32, seed: 12), shape: [frames, 32])
        let projection = try weights(random(2 * width * 32, seed: 13, scale: 0.3), rows: 2 * width, columns: 32, .float32)
        let keyValues = try backend.projectKeyValues(encoded, weights: projection, bias: nil, heads: heads, for: type)
        #expect(keyValues.type == type, "float32 keeps float32; the compact types hold float16")
        let q = random(queries * width, seed: 14)
        let out = try backend.download(backend.crossAttention(query: backend.upload(q, shape: [queries, width]), fusedKeyValues: keyValues, heads: heads))
        let kv = try backend.download(backend.linear(encoded, weights: projection, bias: nil))
        let keys = columns(kv, rows: frames, stride: 2 * width, part: 0, width: width)
        let values = columns(kv, rows: frames, stride: 2 * width, part: 1, width: width)
        let expected = reference(q, keys, values, queries: queries, keys: frames, width: width, heads: heads, causal: false)
        #expect(close(out, expected, type == .float32 ? 1e-5 : 2e-3))
    }

    @Test func theArenaHandsOutAlignedPiecesAndOverflowsIntoOwnBuffers() throws {
        let arena = try WeightArena(allocator: backend.allocator, byteCount: WeightArena.byteCount(of: [100, 100]))
        let first = try weights(random(10 * 10, seed: 15), rows: 10, columns: 10, .int8, arena: arena)
        #expect(first.values.buffer === arena.buffer && first.scales!.buffer === arena.buffer)
        #expect(first.values.byteOffset == 0 && first.scales!.byteOffset == WeightArena.alignment * 2)
        let third = try weights(random(10 * 10, seed: 16), rows: 10, columns: 10, .float32, arena: arena)
        #expect(third.values.buffer !== arena.buffer, "no room left: a buffer of its own")
        #expect(backend.allocator.usage().allocatedBytes == arena.buffer.allocation.blockSize + third.values.buffer.allocation.blockSize)
    }
}
