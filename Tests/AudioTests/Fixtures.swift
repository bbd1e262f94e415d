import Foundation

/// Test fixtures made at test time: WAV bytes written from Swift (no tools needed), and other
/// formats made with ffmpeg when it is installed. Nothing is committed; each test gets a fresh
/// directory that is removed when the `Fixtures` value goes away.
final class Fixtures {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("auris-audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` and returns the path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Converts `input` with ffmpeg (`ffmpeg -i input extraArguments output`); returns the output path.
    func ffmpeg(_ input: String, to name: String, _ extraArguments: [String] = []) throws -> String {
        let output = path(name)
        try Tools.run(Tools.ffmpegPath, ["-nostdin", "-v", "error", "-y", "-i", input] + extraArguments + [output])
        return output
    }

    /// Writes an executable shell script (a stand-in ffmpeg) and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let file = try write(name, Array("#!/bin/sh\n\(body)\n".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }
}

/// External programs the tests use when present.
enum Tools {
    static let ffmpeg = find("ffmpeg")
    /// Real-ffmpeg tests run where ffmpeg is installed, and wherever `AURIS_REQUIRE_FFMPEG=1` says
    /// it must be (`make test`): there a missing ffmpeg fails them instead of skipping them.
    static let ffmpegRuns = ffmpeg != nil || ProcessInfo.processInfo.environment["AURIS_REQUIRE_FFMPEG"] == "1"
    /// ffmpeg, or its bare name (which then fails to run, loudly) when it is missing.
    static var ffmpegPath: String { ffmpeg ?? "ffmpeg" }

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments) failed"])
        }
    }
}

/// Sample encodings the WAV writer supports.
enum WAVEncoding {
    case uint8, int16, int24, int32, float32, float64

    var bytesPerSample: Int {
        switch self {
        case .uint8: 1
        case .int16: 2
        case .int24: 3
        case .int32, .float32: 4
        case .float64: 8
        }
    }
}

/// A minimal WAV writer: canonical 44-byte header (format tag 1 for PCM, 3 for IEEE float).
enum WAV {
    /// `samples` are interleaved integer codes (for integer encodings) or values (for float ones).
    /// `declaredDataBytes` overrides the data chunk's size field, to make truncated or streaming files.
    static func bytes(
        _ samples: [Double], encoding: WAVEncoding, sampleRate: Int, channels: Int, declaredDataBytes: UInt32? = nil
    ) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(samples.count * encoding.bytesPerSample)
        for value in samples {
            switch encoding {
            case .uint8: data.append(UInt8(Int(value) + 128))
            case .int16: data += le(UInt32(bitPattern: Int32(value)), 2)
            case .int24: data += le(UInt32(bitPattern: Int32(value)), 3)
            case .int32: data += le(UInt32(bitPattern: Int32(value)), 4)
            case .float32: data += le(Float(value).bitPattern, 4)
            case .float64: data += le64(value.bitPattern)
            }
        }
        let isFloat = encoding == .float32 || encoding == .float64
        let blockAlign = channels * encoding.bytesPerSample
        var header = Array("RIFF".utf8) + le(UInt32(36 + data.count), 4) + Array("WAVEfmt ".utf8)
        header += le(16, 4) + le(isFloat ? 3 : 1, 2) + le(UInt32(channels), 2)
        header += le(UInt32(sampleRate), 4) + le(UInt32(sampleRate * blockAlign), 4)
        header += le(UInt32(blockAlign), 2) + le(UInt32(encoding.bytesPerSample * 8), 2)
        header += Array("data".utf8) + le(declaredDataBytes ?? UInt32(data.count), 4)
        return header + data
    }

    /// A sine of `frequency` Hz at `amplitude` (0...1), as float samples.
    static func sine(frequency: Double, seconds: Double, sampleRate: Int, amplitude: Double = 0.5) -> [Double] {
        (0..<Int(seconds * Double(sampleRate))).map { amplitude * sin(2 * .pi * frequency * Double($0) / Double(sampleRate)) }
    }

    private static func le(_ value: UInt32, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private static func le64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

/// Signal measurements for checking that resampling kept a tone's pitch.
enum Signal {
    /// Sign changes, skipping the first and last 1000 samples (the resampler's edges).
    static func zeroCrossings(_ x: [Float]) -> Int {
        let body = x.dropFirst(1000).dropLast(1000)
        return zip(body, body.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
    }

    static func rms(_ x: [Float]) -> Double {
        let body = x.dropFirst(1000).dropLast(1000)
        return (body.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, body.count))).squareRoot()
    }
}
