import Foundation

/// The ways a transcript can be written: plain text, SubRip and WebVTT subtitles, and JSON in
/// the shape of OpenAI's `verbose_json`.
public enum TranscriptFormat: String, Sendable, CaseIterable, Codable {
    case txt, srt, vtt, json

    /// File extension and media type, for downloads.
    public var mediaType: String {
        switch self {
        case .txt: "text/plain; charset=utf-8"
        case .srt: "application/x-subrip; charset=utf-8"
        case .vtt: "text/vtt; charset=utf-8"
        case .json: "application/json"
        }
    }

    public func render(_ transcript: Transcript) -> String {
        switch self {
        case .txt:
            return transcript.segments.map { $0.text.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n") + "\n"
        case .srt:
            return Self.cues(transcript).enumerated().map { index, cue in
                "\(index + 1)\n\(Self.clock(cue.start, decimal: ",")) --> \(Self.clock(cue.end, decimal: ","))\n\(cue.text)\n"
            }.joined(separator: "\n")
        case .vtt:
            return "WEBVTT\n\n" + Self.cues(transcript).map { cue in
                "\(Self.clock(cue.start, decimal: ".")) --> \(Self.clock(cue.end, decimal: "."))\n\(cue.text)\n"
            }.joined(separator: "\n")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(transcript)) ?? Data(), as: UTF8.self) + "\n"
        }
    }

    /// The subtitles: a cue per word when the words were timed, else a cue per segment.
    static func cues(_ transcript: Transcript) -> [(start: Double, end: Double, text: String)] {
        transcript.segments.flatMap { segment -> [(start: Double, end: Double, text: String)] in
            guard let words = segment.words else {
                return [(segment.start, segment.end, segment.text.trimmingCharacters(in: .whitespaces))]
            }
            return words.map { ($0.start, $0.end, $0.word.trimmingCharacters(in: .whitespaces)) }
        }
    }

    /// `HH:MM:SS,mmm` (SubRip) or `HH:MM:SS.mmm` (WebVTT).
    static func clock(_ seconds: Double, decimal: String) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        let hours = milliseconds / 3_600_000, minutes = milliseconds / 60_000 % 60
        let wholeSeconds = milliseconds / 1000 % 60, fraction = milliseconds % 1000
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(wholeSeconds, 2))\(decimal)\(pad(fraction, 3))"
    }
}

/// A finished transcription: what the formats render and the API returns.
public struct Transcript: Sendable, Codable, Equatable {
    public var text: String
    public var language: String
    public var duration: Double
    public var segments: [TranscriptSegment]

    public init(language: String, duration: Double, segments: [TranscriptSegment]) {
        self.text = segments.map(\.text).joined()
        self.language = language
        self.duration = duration
        self.segments = segments
    }

    enum CodingKeys: String, CodingKey { case text, language, duration, segments }
}

extension TranscriptSegment {
    /// snake_case keys, as in OpenAI's verbose_json and faster-whisper's Segment.
    enum CodingKeys: String, CodingKey {
        case id, seek, start, end, text, tokens, temperature, words
        case avgLogProb = "avg_logprob"
        case compressionRatio = "compression_ratio"
        case noSpeechProb = "no_speech_prob"
    }
}
