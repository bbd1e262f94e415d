import Foundation
import Testing
@testable import Audio

/// The resampler a live stream pushes into: pieces of any size give what the whole stream at
/// once gives, and every input second becomes one output second.
@Suite("Push resampler")
struct PushResamplerTests {
    @Test func piecesGiveWhatTheWholeGives() throws {
        let input = (0..<48_000).map { Float(sin(Double($0) * 2 * .pi * 440 / 48_000)) * 0.5 }
        let whole = try PushResampler(from: 48_000)
        let once = try whole.process(input) + whole.flush()
        let pushed = try PushResampler(from: 48_000)
        var pieces: [Float] = []
        var start = 0
        for size in [1, 7, 480, 3_001, 10_000].cycled(until: input.count) {
            let end = min(start + size, input.count)
            pieces += try pushed.process(Array(input[start..<end]))
            start = end
            if start == input.count { break }
        }
        pieces += try pushed.flush()
        #expect(abs(once.count - 16_000) <= 1)
        #expect(pieces.count == once.count)
        #expect(zip(pieces, once).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(try pushed.process([]).isEmpty)
    }

    @Test func ratesTooFarAreRefused() {
        #expect(throws: AudioError.self) { try PushResampler(from: 10) }
        #expect(throws: AudioError.self) { try PushResampler(from: 0) }
    }
}

extension Array {
    /// The elements over and over, enough times for `count` steps.
    fileprivate func cycled(until count: Int) -> [Element] {
        (0..<count).map { self[$0 % self.count] }
    }
}
