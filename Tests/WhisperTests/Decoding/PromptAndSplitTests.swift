import Testing
@testable import Whisper

@Suite("Prompts")
struct PromptTests {
    let vocabulary = FakeVocabulary()

    @Test("previous text comes after <|startofprev|>, cut to its last 223 tokens")
    func previousText() {
        let previous = Array(repeating: 3, count: 300) + [1, 2]
        let prompt = PromptBuilder.prompt(vocabulary: vocabulary, sotSequence: [11],
                                          previousTokens: previous[...], withoutTimestamps: false,
                                          prefix: nil, hotwords: nil)
        #expect(prompt.count == 1 + 223 + 1)
        #expect(prompt.first == 17 && prompt.last == 11)
        #expect(Array(prompt[221...223]) == [3, 1, 2])
    }

    @Test("without timestamps the sequence ends with <|notimestamps|>; a prefix follows <|0.00|>")
    func prefixAndTimestamps() {
        let timed = PromptBuilder.prompt(vocabulary: vocabulary, sotSequence: [11], previousTokens: [],
                                         withoutTimestamps: false, prefix: "  hello world ", hotwords: nil)
        #expect(timed == [11, 20, 1, 2])
        let untimed = PromptBuilder.prompt(vocabulary: vocabulary, sotSequence: [11], previousTokens: [],
                                           withoutTimestamps: true, prefix: "hello", hotwords: nil)
        #expect(untimed == [11, 19, 1])
    }

    @Test("hotwords are previous text, unless there is a prefix")
    func hotwords() {
        let withHotwords = PromptBuilder.prompt(vocabulary: vocabulary, sotSequence: [11],
                                                previousTokens: [3], withoutTimestamps: false,
                                                prefix: nil, hotwords: "foo bar")
        #expect(withHotwords == [17, 3, 4, 3, 11])
        let withPrefix = PromptBuilder.prompt(vocabulary: vocabulary, sotSequence: [11], previousTokens: [],
                                              withoutTimestamps: false, prefix: "one", hotwords: "foo")
        #expect(withPrefix == [11, 20, 7])
    }

    @Test("CTranslate2 reads the start sequence, the forced tokens and the budget from the prompt")
    func decoderPrompt() throws {
        let prompt = try DecoderPrompt(tokens: [17, 1, 2, 11, 12, 15, 20, 3], vocabulary: vocabulary)
        #expect(prompt.startOfTranscriptIndex == 3)
        #expect(prompt.sequenceEnd == 6)
        #expect(prompt.startStep == 5)
        #expect(Array(prompt.forcedTokens) == [20, 3])
        #expect(prompt.usesTimestamps)
        #expect(prompt.resultLengthLimit(maxLength: 448) == 224)
        #expect(prompt.resultLengthLimit(maxLength: 20) == 10)

        let untimed = try DecoderPrompt(tokens: [11, 19], vocabulary: vocabulary)
        #expect(!untimed.usesTimestamps)
        #expect(untimed.forcedTokens.isEmpty)
    }

    @Test("Python's strip, not Foundation's")
    func pythonStrip() {
        #expect(PythonText.strip("\u{1C} hello\u{3000}\n") == "hello")
        #expect(PythonText.strip("\u{200B}x") == "\u{200B}x")  // zero-width space is not space
        #expect(PythonText.isBlank(" \t\u{A0}"))
        #expect(!PythonText.isBlank(" ."))
    }

    @Test("non-speech tokens follow faster-whisper's rules")
    func nonSpeechTokens() {
        let table: [String: [Int]] = [" -": [40], " '": [41], "(": [42], " (": [43], "[[": [44, 44],
                                      " ♪": [45, 46], "♪": [47, 48]]
        let tokens = NonSpeechTokens.compute { table[$0] ?? [] }
        // Single-token symbols, the first token of musical symbols, and the leading " -", " '".
        #expect(tokens == [40, 41, 42, 43, 45, 47])
    }
}

@Suite("Segments from timestamps")
struct SplitterTests {
    let splitter = TimestampSplitter(timestampBegin: 20)

    @Test("consecutive timestamps cut; a trailing unfinished segment moves the seek back to it")
    func unfinished() {
        let (segments, seek) = splitter.split([20, 1, 70, 70, 2], timeOffset: 10, segmentSize: 3000, seek: 1000)
        #expect(segments == [TimedTokens(start: 10, end: 11, tokens: [20, 1, 70])])
        #expect(seek == 1000 + 50 * 2)
    }

    @Test("a final lone timestamp consumes the window")
    func singleTimestampEnding() {
        let (segments, seek) = splitter.split([20, 1, 70, 70, 2, 95], timeOffset: 0, segmentSize: 2500, seek: 0)
        #expect(segments.map(\.end) == [1.0, 1.5])
        #expect(seek == 2500)
    }

    @Test("without consecutive timestamps: one segment to the last timestamp or the window end")
    func whole() {
        let (timed, seek) = splitter.split([20, 1, 45], timeOffset: 30, segmentSize: 3000, seek: 3000)
        #expect(timed == [TimedTokens(start: 30, end: 30.5, tokens: [20, 1, 45])])
        #expect(seek == 6000)
        let (open, _) = splitter.split([20, 1], timeOffset: 30, segmentSize: 1234, seek: 3000)
        #expect(open[0].end == 30 + 1234 * 0.01)
        let (empty, _) = splitter.split([], timeOffset: 0, segmentSize: 100, seek: 0)
        #expect(empty == [TimedTokens(start: 0, end: 1, tokens: [])])
    }

    @Test("clip timestamps become frame pairs, rounded half to even")
    func seekClips() {
        let clips = SeekClips.clips(from: [0.125, 2.5, 7], contentFrames: 900)
        #expect(clips.map(\.start) == [12, 700])
        #expect(clips.map(\.end) == [250, 900])
        #expect(SeekClips.clips(from: [], contentFrames: 50).map(\.end) == [50])
        #expect(SeekClips.detectionStart(from: [12.349], contentFrames: 5000) == 1234)
        #expect(SeekClips.detectionStart(from: [60], contentFrames: 5000) == 0)
    }

    @Test("faster-whisper's feature extractor yields samples / 160 + 1 frames")
    func frameCount() {
        #expect(WhisperTiming.featureFrameCount(samples: 480_000) == 3001)
        #expect(WhisperTiming.featureFrameCount(samples: 16_159) == 101)
        #expect(WhisperTiming.featureFrameCount(samples: 16_160) == 102)
    }
}
