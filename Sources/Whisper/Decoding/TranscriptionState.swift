/// One window to decode: where it starts and how many content frames it covers.
struct WindowPlan: Sendable, Hashable {
    /// First frame (`seek`).
    var seek: Int
    /// Content frames (`segment_size`): up to 3000, fewer at the end of a clip or the input.
    var frameCount: Int

    /// Start time in seconds (`time_offset = seek * time_per_frame`).
    var timeOffset: Double { Double(seek) * WhisperTiming.secondsPerFrame }
}

/// What `generate_segments` carries from one window to the next.
struct TranscriptionState: Sendable {
    /// Clips to visit, in frames.
    let clips: [(start: Int, end: Int)]
    var clipIndex = 0
    /// Where the last timed word ended, in seconds (`last_speech_timestamp`).
    var lastSpeech = 0.0
    /// The next frame to decode.
    var seek: Int
    /// Every token emitted so far, after the initial prompt (`all_tokens`).
    var allTokens: [Int]
    /// Conditioning only looks at `allTokens[promptResetSince...]`.
    var promptResetSince = 0
    /// Segments emitted so far (the last segment's id).
    var segmentCount = 0
    /// The language of the next window (changes per window with `multilingual`).
    var language: String

    init(clips: [(start: Int, end: Int)], language: String, initialTokens: [Int]) {
        self.clips = clips
        self.seek = clips.first?.start ?? 0
        self.allTokens = initialTokens
        self.language = language
    }

    /// The next window, moving on to the next clip when `seek` has passed the end of this one
    /// (clip ends are clipped to the content), or nil when every clip is done.
    mutating func nextWindow(contentFrames: Int) -> WindowPlan? {
        while clipIndex < clips.count {
            let start = clips[clipIndex].start
            let end = min(clips[clipIndex].end, contentFrames)
            if seek < start { seek = start }
            if seek >= end {
                clipIndex += 1
                if clipIndex < clips.count { seek = clips[clipIndex].start }
                continue
            }
            let size = min(WhisperTiming.framesPerWindow, contentFrames - seek, end - seek)
            return WindowPlan(seek: seek, frameCount: size)
        }
        return nil
    }

    /// The previous text a window is conditioned on.
    var previousTokens: ArraySlice<Int> { allTokens[promptResetSince...] }
}
