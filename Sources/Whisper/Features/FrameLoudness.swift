/// The loudest log-mel value of every second of a recording, kept while its frames stream by,
/// so that a window of silence can be known without reading its frames back (Note [Silent
/// windows]). A few bytes per second: 29 KB for two hours.
struct FrameLoudness {
    /// Frames per block: one second.
    static let blockFrames = 100
    private(set) var blocks: [Float] = []

    /// Takes frames `first ..< first + count`, `melBins` raw log10 values each, in order.
    mutating func record(first: Int, count: Int, melBins: Int, values: UnsafeBufferPointer<Float>) {
        for frame in 0..<count {
            let block = (first + frame) / Self.blockFrames
            if block == blocks.count { blocks.append(-.infinity) }
            var loudest = blocks[block]
            for value in values[(frame * melBins)..<((frame + 1) * melBins)] where value > loudest { loudest = value }
            blocks[block] = loudest
        }
    }

    /// The loudest value in the blocks that frames `range` touch (whole blocks, so never lower
    /// than the frames' own loudest).
    func loudest(in range: Range<Int>) -> Float {
        guard !range.isEmpty, !blocks.isEmpty else { return -.infinity }
        let first = min(range.lowerBound / Self.blockFrames, blocks.count - 1)
        let last = min((range.upperBound - 1) / Self.blockFrames, blocks.count - 1)
        return blocks[first...last].max() ?? -.infinity
    }
}
