import Foundation

/// Asks ffprobe what a file holds, for `AudioSourceInfo` (codec, rate, channels, duration).
///
/// This is information only: ffmpeg's decode does not depend on it, so when ffprobe is absent or
/// fails the stream still works and those fields are nil.
enum FFprobe {
    static func describe(executable: String, path: String, signature: FileSignature) -> AudioSourceInfo? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-v", "error", "-select_streams", "a:0",
            "-show_entries", "stream=codec_name,sample_rate,channels,duration:format=format_name,duration",
            "-of", "json", "file:" + path,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let out = Pipe()
        process.standardOutput = out
        do { try process.run() } catch { return nil }
        // The JSON is a few hundred bytes, so reading to the end before waiting cannot deadlock.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return parse(data, signature: signature)
    }

    static func parse(_ data: Data, signature: FileSignature) -> AudioSourceInfo? {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let stream = (json["streams"] as? [[String: Any]])?.first
        else { return nil }
        let format = json["format"] as? [String: Any]
        func number(_ value: Any?) -> Double? {
            if let text = value as? String { return Double(text) }
            return (value as? NSNumber)?.doubleValue
        }
        let container: String
        if signature != .unknown {
            container = signature.displayName
        } else if let name = format?["format_name"] as? String, let first = name.split(separator: ",").first {
            container = String(first)
        } else {
            container = "unknown container"
        }
        return AudioSourceInfo(
            container: container,
            encoding: stream["codec_name"] as? String,
            sampleRate: number(stream["sample_rate"]).map { Int($0) },
            channels: number(stream["channels"]).map { Int($0) },
            durationSeconds: number(stream["duration"]) ?? number(format?["duration"]),
            decoder: .ffmpeg)
    }
}
