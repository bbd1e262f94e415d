import DeviceMemory
import Foundation
import Tensor
import Testing

/// Each CPU operation against a naive loop written from its definition.
@Suite("CPU backend")
struct CPUBackendTests {
    let backend: CPUBackend
    init() throws {
        backend = CPUBackend(allocator: try CachingAllocator(backend: HostMemory()), threads: 2)
    }

    func random(_ count: Int, seed: Int) -> [Float] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
    }

    func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test func linearWithBias() throws {
        let x = random(3 * 5, seed: 1), w = random(4 * 5, seed: 2), b = random(4, seed: 3)
        let out = try backend.download(backend.linear(backend.upload(x, shape: [3, 5]), weight: backend.upload(w, shape: [4, 5]),
                                                      bias: backend.upload(b, shape: [4])))
        var expected = [Float](repeating: 0, count: 12)
        for r in 0..<3 { for o in 0..<4 { expected[r * 4 + o] = b[o] + (0..<5).reduce(0) { $0 + x[r * 5 + $1] * w[o * 5 + $1] } } }
        #expect(close(out, expected))
    }

    @Test func conv1dStridedAndPadded() throws {
        let x = random(3 * 10, seed: 4), w = random(2 * 3 * 3, seed: 5), b = random(2, seed: 6)
        let out = try backend.conv1d(backend.upload(x, shape: [3, 10]), weight: backend.upload(w, shape: [2, 3, 3]),
                                     bias: backend.upload(b, shape: [2]), stride: 2, padding: 1)
        #expect(out.shape == [2, 5])
        var expected: [Float] = []
        for o in 0..<2 {
            for t in 0..<5 {
                var sum = b[o]
                for c in 0..<3 { for k in 0..<3 {
                    let p = t * 2 + k - 1
                    if p >= 0 && p < 10 { sum += w[(o * 3 + c) * 3 + k] * x[c * 10 + p] }
                } }
                expected.append(sum)
            }
        }
        #expect(close(try backend.download(out), expected))
    }

    @Test func layerNormAndGelu() throws {
        let x = random(2 * 8, seed: 7)
        let gamma = random(8, seed: 8), beta = random(8, seed: 9)
        let normed = try backend.download(backend.layerNorm(backend.upload(x, shape: [2, 8]), gamma: backend.upload(gamma, shape: [8]),
                                                            beta: backend.upload(beta, shape: [8]), epsilon: 1e-5))
        var expected: [Float] = []
        for r in 0..<2 {
            let row = Array(x[(r * 8)..<(r * 8 + 8)])
            let mean = row.reduce(0, +) / 8
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
            expected += row.indices.map { (row[$0] - mean) / (variance + 1e-5).squareRoot() * gamma[$0] + beta[$0] }
        }
        #expect(close(normed, expected))
        let t = try backend.upload([-3, -1, 0, 0.5, 2], shape: [5])
        try backend.geluInPlace(t)
        #expect(close(try backend.download(t), [-0.0040500, -0.1586553, 0, 0.3457312, 1.9544997], tolerance: 1e-5))
    }

    @Test(arguments: [false, true])
    func attentionMatchesDefinition(causal: Bool) throws {
        let queries = 3, keysCount = 5, width = 8, heads = 2, head = 4
        let q = random(queries * width, seed: 10), k = random(6 * width, seed: 11), v = random(6 * width, seed: 12)
        let out = try backend.download(backend.attention(
            query: backend.upload(q, shape: [queries, width]), keys: backend.upload(k, shape: [6, width]),
            values: backend.upload(v, shape: [6, width]), keyCount: keysCount, heads: heads, causal: causal))
        var expected = [Float](repeating: 0, count: queries * width)
        for h in 0..<heads {
            for i in 0..<queries {
                let visible = causal ? keysCount - queries + i + 1 : keysCount
                let scores = (0..<visible).map { j in
                    (0..<head).reduce(Float(0)) { $0 + q[i * width + h * head + $1] * k[j * width + h * head + $1] } / Float(head).squareRoot()
                }
                let m = scores.max()!
                let e = scores.map { Foundation.exp($0 - m) }
                let total = e.reduce(0, +)
                for d in 0..<head {
                    expected[i * width + h * head + d] = (0..<visible).reduce(0) { $0 + e[$1] / total * v[$1 * width + h * head + d] }
                }
            }
        }
        #expect(close(out, expected))
    }

    @Test func transposeGatherAndCopyColumns() throws {
        let x = try backend.upload((0..<6).map(Float.init), shape: [2, 3])
        #expect(try backend.download(backend.transpose(x)) == [0, 3, 1, 4, 2, 5])
        #expect(try backend.download(backend.gatherRows(x, rows: [1, 0, 1])) == [3, 4, 5, 0, 1, 2, 3, 4, 5])
        let cache = try backend.upload([Float](repeating: -1, count: 8), shape: [4, 2])
        try backend.copyColumns(of: x, columnStart: 1, width: 2, into: cache, destinationRow: 1)
        #expect(try backend.download(cache) == [-1, -1, 1, 2, 4, 5, -1, -1])
    }

    @Test func everyTensorComesFromTheAllocator() throws {
        let before = backend.allocator.usage().allocatedBytes
        do {
            let t = try backend.makeTensor(shape: [256, 256])
            #expect(backend.allocator.usage().allocatedBytes == before + 256 * 256 * 4)
            _ = t
        }
        #expect(backend.allocator.usage().allocatedBytes == before, "a released tensor returns its block")
    }
}
