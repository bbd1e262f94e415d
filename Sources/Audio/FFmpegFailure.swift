import Foundation

/// Turns ffmpeg's exit status and stderr into an `AudioError` a user can act on.
///
/// ffmpeg says "Invalid data found when processing input" for anything it cannot identify; that is
/// reported as `.unsupportedFormat`, not as ffmpeg breaking, since the fix is a different file.
/// Any other refusal is `.decodeFailed`: ffmpeg ran and this file defeated it (a WAV header with
/// 0 channels, a corrupt stream), which the user fixes with another file, as with the first case.
/// `.ffmpegFailed` is kept for ffmpeg itself breaking (not starting, killed).
enum FFmpegFailure {
    static func classify(
        stderr: String, status: Int32, name: String, signature: FileSignature, producedAudio: Bool
    ) -> AudioError {
        let said = stderr.isEmpty ? "it printed nothing" : "ffmpeg said: \(publicText(stderr))"
        // ffmpeg guesses a format for bytes nobody recognises (often MP3, from a chance frame sync)
        // and then fails on them in varied words; a file with no known signature that yields no
        // audio at all is, for the user, simply not audio.
        let unrecognised = signature == .unknown && !producedAudio
        if unrecognised || stderr.contains("Invalid data found when processing input") {
            let seen = signature == .unknown ? "" : " (its first bytes look like \(signature.displayName))"
            return AudioError(
                .unsupportedFormat,
                "'\(name)' is not audio that libsndfile or ffmpeg can read\(seen); \(said)")
        }
        if stderr.contains("matches no streams") || stderr.contains("does not contain any stream") {
            return AudioError(.unsupportedFormat, "'\(name)' has no audio track; \(said)")
        }
        if stderr.contains("No such file or directory") {
            return AudioError(.fileNotFound, "'\(name)' disappeared before ffmpeg could read it; \(said)")
        }
        return AudioError(.decodeFailed, "ffmpeg could not decode '\(name)' (exit status \(status)); \(said)")
    }

    /// ffmpeg's words as a client may see them: its `[decoder @ 0x55d1…]` prefixes carry heap
    /// addresses (of no use to the client, of some to an attacker), its "Last message repeated"
    /// lines are noise, and only the last few lines say what went wrong.
    static func publicText(_ stderr: String) -> String {
        var lines: [String] = []
        for raw in stderr.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            while let at = line.range(of: " @ 0x") {
                let end = line[at.upperBound...].firstIndex { !$0.isHexDigit } ?? line.endIndex
                line.removeSubrange(at.lowerBound..<end)
            }
            if line.isEmpty || line.hasPrefix("Last message repeated") || lines.last == line { continue }
            lines.append(line)
        }
        return lines.suffix(3).joined(separator: " / ")
    }

    /// The error for a file that needs ffmpeg on a machine without it.
    static func missing(name: String, signature: FileSignature, looked: String) -> AudioError {
        let what =
            signature == .unknown
            ? "'\(name)' is not in a format libsndfile reads (WAV, FLAC, Ogg, AIFF, CAF, AU)"
            : "'\(name)' is \(signature.displayName), which Auris decodes with ffmpeg"
        return AudioError(
            .ffmpegMissing,
            "\(what), and ffmpeg was not found (\(looked)). Install ffmpeg (on Debian or Ubuntu: apt-get install ffmpeg) or convert the file to WAV or FLAC first.")
    }
}
