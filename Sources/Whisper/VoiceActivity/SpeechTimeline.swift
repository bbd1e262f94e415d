/// Maps times in the speech-only audio (the regions joined end to end) back to the recording:
/// faster-whisper's `SpeechTimestampsMap` and `restore_speech_timestamps`.
public struct SpeechTimeline: Sendable {
    /// Where each region ends in the joined audio, in samples.
    private var regionEnds: [Int] = []
    /// Seconds of silence removed before each region.
    private var silenceBefore: [Double] = []
    private let sampleRate: Int

    public init(regions: [Range<Int>], sampleRate: Int = 16_000) {
        self.sampleRate = sampleRate
        var previousEnd = 0, silent = 0
        for region in regions {
            silent += region.lowerBound - previousEnd
            previousEnd = region.upperBound
            regionEnds.append(region.upperBound - silent)
            silenceBefore.append(Double(silent) / Double(sampleRate))
        }
    }

    /// The region a time of the joined audio falls in; an end exactly at a region's end stays
    /// in that region.
    func region(at seconds: Double, isEnd: Bool = false) -> Int {
        let sample = Int(seconds * Double(sampleRate))
        if isEnd, let exact = regionEnds.firstIndex(of: sample) { return exact }
        // Python's bisect_right: the first region ending after `sample`.
        let after = regionEnds.firstIndex { $0 > sample } ?? regionEnds.count
        return min(after, regionEnds.count - 1)
    }

    /// The recording's time of `seconds` in the joined audio, to 10 ms.
    func originalTime(_ seconds: Double, region: Int) -> Double {
        ((silenceBefore[region] + seconds) * 100).rounded(.toNearestOrEven) / 100
    }

    /// How far into the recording a position of the joined audio lies: progress reported on
    /// the recording's clock, so that a long pause skipped moves it on at once.
    public func position(_ seconds: Double) -> Double {
        guard !regionEnds.isEmpty else { return seconds }
        return originalTime(seconds, region: region(at: seconds, isEnd: true))
    }

    /// `segment` with its times (and its words') moved to the recording's clock. A word keeps
    /// both ends in the region of its middle, so no word spans removed silence.
    public func restore(_ segment: TranscriptSegment) -> TranscriptSegment {
        guard !regionEnds.isEmpty else { return segment }
        var segment = segment
        if let words = segment.words, !words.isEmpty {
            let moved = words.map { word in
                var word = word
                let index = region(at: (word.start + word.end) / 2)
                word.start = originalTime(word.start, region: index)
                word.end = originalTime(word.end, region: index)
                return word
            }
            segment.words = moved
            segment.start = moved[0].start
            segment.end = moved[moved.count - 1].end
        } else {
            segment.start = originalTime(segment.start, region: region(at: segment.start))
            segment.end = originalTime(segment.end, region: region(at: segment.end, isEnd: true))
        }
        return segment
    }
}
