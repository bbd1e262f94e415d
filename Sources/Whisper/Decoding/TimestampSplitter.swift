/// A piece of a window's tokens that becomes one segment.
public struct TimedTokens: Sendable, Hashable {
    /// Start time in seconds: the window's offset plus the first timestamp.
    public var start: Double
    /// End time in seconds.
    public var end: Double
    /// The tokens, timestamps included.
    public var tokens: [Int]
}

/// Cuts a window's tokens into segments at consecutive timestamps and says where the next
/// window starts, as faster-whisper's `_split_segments_by_timestamps`.
public struct TimestampSplitter: Sendable {
    /// `<|0.00|>`.
    public var timestampBegin: Int

    public init(timestampBegin: Int) {
        self.timestampBegin = timestampBegin
    }

    /// The segments of `tokens` and the next seek. `timeOffset` is the window's start in
    /// seconds, `segmentSize` its length in frames.
    public func split(_ tokens: [Int], timeOffset: Double, segmentSize: Int, seek: Int)
        -> (segments: [TimedTokens], seek: Int) {
        let isTimestamp = { (token: Int) in token >= timestampBegin }
        // A timestamp right after text at the very end: the speech ended and the rest of the
        // window is silence, so the whole window is consumed.
        let singleTimestampEnding = Self.endsWithSingleTimestamp(tokens, timestampBegin: timestampBegin)
        let consecutive = tokens.indices.filter {
            $0 > 0 && isTimestamp(tokens[$0]) && isTimestamp(tokens[$0 - 1])
        }

        guard !consecutive.isEmpty else {
            return ([wholeWindow(tokens, timeOffset: timeOffset, segmentSize: segmentSize)],
                    seek + segmentSize)
        }
        var cuts = consecutive
        if singleTimestampEnding { cuts.append(tokens.count) }
        var segments: [TimedTokens] = []
        var lastCut = 0
        for cut in cuts {
            let piece = Array(tokens[lastCut..<cut])
            segments.append(TimedTokens(start: time(of: piece[0], offset: timeOffset),
                                        end: time(of: piece[piece.count - 1], offset: timeOffset),
                                        tokens: piece))
            lastCut = cut
        }
        if singleTimestampEnding {
            return (segments, seek + segmentSize)
        }
        // Otherwise the text after the last complete segment is unfinished: decode it again
        // from the window that starts at that segment's end.
        let lastPosition = tokens[lastCut - 1] - timestampBegin
        return (segments, seek + lastPosition * WhisperTiming.inputStride)
    }

    /// Whether `tokens` end with text and then one timestamp.
    static func endsWithSingleTimestamp(_ tokens: [Int], timestampBegin: Int) -> Bool {
        tokens.count >= 2 && tokens[tokens.count - 2] < timestampBegin && tokens[tokens.count - 1] >= timestampBegin
    }

    /// Without consecutive timestamps the window is one segment, ending at its last timestamp
    /// if that is not `<|0.00|>`, else at the end of the window's content.
    private func wholeWindow(_ tokens: [Int], timeOffset: Double, segmentSize: Int) -> TimedTokens {
        var duration = Double(segmentSize) * WhisperTiming.secondsPerFrame
        if let last = tokens.last(where: { $0 >= timestampBegin }), last != timestampBegin {
            duration = Double(last - timestampBegin) * WhisperTiming.timestampPrecision
        }
        return TimedTokens(start: timeOffset, end: timeOffset + duration, tokens: tokens)
    }

    private func time(of token: Int, offset: Double) -> Double {
        offset + Double(token - timestampBegin) * WhisperTiming.timestampPrecision
    }
}
