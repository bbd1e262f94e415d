import Testing
@testable import Whisper

/// Per-window scripts: window `i` runs `scripts[i]` (the last one repeats).
func perWindow(_ scripts: [@Sendable (ScriptContext) -> [Float]]) -> @Sendable (ScriptContext) -> [Float] {
    { context in scripts[min(context.window, scripts.count - 1)](context) }
}

let ts = FakeVocabulary().timestamp

@Suite("Long-form transcription")
struct TranscriberTests {
    @Test("consecutive timestamps split a window; a final lone timestamp consumes it")
    func splitOnConsecutiveTimestamps() throws {
        let runner = ScriptedRunner(script: Row.writing([ts(0), 1, ts(2), ts(2), 2, ts(4)]))
        let (segments, language, progress) = try transcribe(runner, frames: 1001, options: DecodingOptions())
        #expect(language?.language == "en")
        #expect(segments.map(\.text) == [" hello", " world"])
        #expect(segments.map(\.id) == [1, 2])
        #expect(segments.map(\.start) == [0.0, 2.0])
        #expect(segments.map(\.end) == [2.0, 4.0])
        #expect(segments[0].tokens == [ts(0), 1, ts(2)])
        #expect(segments[1].tokens == [ts(2), 2, ts(4)])
        #expect(segments.allSatisfy { $0.seek == 0 && $0.temperature == 0 })
        #expect(runner.windows.count == 1)
        #expect(progress.last == TranscriptionProgress(processedSeconds: 10, totalSeconds: 10))
    }

    @Test("an unfinished segment is decoded again from the last timestamp; the last window is partial")
    func seekAdvanceAndFinalWindow() throws {
        let runner = ScriptedRunner(script: perWindow([
            Row.writing([ts(0), 1, ts(5), ts(5), 2]),  // " world" is unfinished
            Row.writing([ts(0), 3, ts(1)]),
            Row.writing([ts(0), 4]),
        ]))
        let (segments, _, _) = try transcribe(runner, frames: 6001, options: DecodingOptions())
        #expect(segments.map(\.text) == [" hello", " foo", " bar"])
        #expect(segments.map(\.seek) == [0, 500, 3500])
        #expect(segments.map(\.start) == [0.0, 5.0, 35.0])
        // Without consecutive timestamps a segment ends at its last timestamp, or, when that is
        // <|0.00|>, at the end of the window's content (25 s of the last, partial window).
        #expect(segments.map(\.end) == [5.0, 6.0, 60.0])

        let windows = runner.windows
        #expect(windows.count == 3)
        #expect(windows.map { $0[0] } == [1, 501, 3501])
        #expect(windows[2][2499] == 6000)
        #expect(windows[2][2500] == 0)  // zero padding after the content
        #expect(windows[2][3000] == 3501)  // second mel bin
    }

    @Test("a silent window is skipped whole, without fallback")
    func noSpeechSkip() throws {
        let runner = ScriptedRunner(script: perWindow([
            Row.writing([ts(0), 1, ts(1)], height: 2, noSpeech: 20),
            Row.writing([ts(0), 2, ts(1)]),
        ]))
        let (segments, _, progress) = try transcribe(runner, frames: 6001, options: DecodingOptions())
        #expect(segments.map(\.text) == [" world"])
        #expect(segments[0].seek == 3000)
        #expect(segments[0].start == 30.0 && segments[0].end == 31.0)
        #expect(runner.prompts.filter { $0.window == 0 }.count == 1)
        #expect(progress.map(\.processedSeconds) == [30, 60])
    }

    @Test("a likely window is kept despite a high no-speech probability")
    func noSpeechNotSkippedWhenLikely() throws {
        let runner = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)], noSpeech: 20))
        let (segments, _, _) = try transcribe(runner, frames: 1001, options: DecodingOptions())
        #expect(segments.map(\.text) == [" hello"])
        #expect(segments[0].noSpeechProb > 0.6)
    }

    @Test("each window is conditioned on the segments before it")
    func conditionOnPreviousText() throws {
        let script = perWindow([Row.writing([ts(0), 1, ts(1), ts(1), 2, ts(2)]),
                                Row.writing([ts(0), 3, ts(1)])])
        let runner = ScriptedRunner(script: script)
        _ = try transcribe(runner, frames: 6001, options: DecodingOptions(initialPrompt: "hello world"))
        #expect(runner.prompts.map(\.prompt) == [
            [17, 1, 2, 11],
            [17, 1, 2, ts(0), 1, ts(1), ts(1), 2, ts(2), 11],
        ])

        let unconditioned = ScriptedRunner(script: script)
        _ = try transcribe(unconditioned, frames: 6001,
                           options: DecodingOptions(conditionOnPreviousText: false))
        #expect(unconditioned.prompts.map(\.prompt) == [[11], [11]])
    }

    @Test("a window decoded above prompt_reset_on_temperature resets the conditioning")
    func promptResetOnTemperature() throws {
        let runner = ScriptedRunner(script: perWindow([
            byPass(Row.writing([ts(0), 1, ts(1)], height: 2), Row.writing([ts(0), 1, ts(1)], height: 40)),
            Row.writing([ts(0), 3, ts(1)]),
        ]))
        let options = DecodingOptions(temperatures: [0, 0.6], bestOf: 1)
        let (segments, _, _) = try transcribe(runner, frames: 6001, options: options)
        #expect(segments.map(\.temperature) == [0.6, 0])
        #expect(runner.prompts.filter { $0.window == 1 }.map(\.prompt) == [[11]])
    }

    @Test("blank segments are dropped and do not condition later windows")
    func blankSegmentsDropped() throws {
        let runner = ScriptedRunner(script: perWindow([
            Row.writing([ts(0), 0, ts(1), ts(1), 1, ts(2)]),
            Row.writing([ts(0), 3, ts(1)]),
        ]))
        let (segments, _, _) = try transcribe(runner, frames: 6001, options: DecodingOptions())
        #expect(segments.map(\.text) == [" hello", " foo"])
        #expect(segments.map(\.id) == [1, 2])
        #expect(runner.prompts.last?.prompt == [17, ts(1), 1, ts(2), 11])
    }

    @Test("clip_timestamps limit the windows to the clips")
    func clipTimestamps() throws {
        let runner = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)]))
        let (segments, _, _) = try transcribe(runner, frames: 6001,
                                              options: DecodingOptions(clipTimestamps: [10, 20]))
        #expect(segments.map(\.start) == [10.0])
        #expect(runner.windows.map { $0[0] } == [1001])
        #expect(runner.windows[0][999] == 2000 && runner.windows[0][1000] == 0)

        let openEnded = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)]))
        _ = try transcribe(openEnded, frames: 6001, options: DecodingOptions(clipTimestamps: [50]))
        #expect(openEnded.windows.map { $0[0] } == [5001])

        let pastTheEnd = ScriptedRunner(script: Row.writing([ts(0), 1, ts(1)]))
        let (none, _, _) = try transcribe(pastTheEnd, frames: 6001,
                                          options: DecodingOptions(clipTimestamps: [70]))
        #expect(none.isEmpty && pastTheEnd.windows.isEmpty)
    }

    @Test("the asynchronous sequence yields the same segments")
    func asyncEvents() async throws {
        let runner = ScriptedRunner(script: Row.writing([ts(0), 1, ts(2), ts(2), 2, ts(4)]))
        let transcriber = Transcriber(runner: runner, vocabulary: FakeVocabulary(),
                                      options: DecodingOptions(samplingSeed: 1))
        var texts: [String] = []
        for try await event in transcriber.events(for: CountingFeatures(frameCount: 1001)) {
            if case let .segment(segment) = event { texts.append(segment.text) }
        }
        #expect(texts == [" hello", " world"])
    }
}
