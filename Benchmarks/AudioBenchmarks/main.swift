// The resampler alone (make bench): decoding a 48 kHz and a 44.1 kHz file to 16 kHz at every
// libsoxr quality, against reading the same audio already at 16 kHz (no resampling). Medians of
// seven runs on one minute of a swept tone; prints seconds and times real time.
//
//   AudioBenchmarks [SECONDS]
import Audio
import Foundation

func writeWAV(_ path: String, rate: Int, seconds: Int) throws {
    let count = rate * seconds
    var data = Data()
    func append<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
    data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + count * 2).littleEndian)
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16).littleEndian); append(UInt16(1).littleEndian)
    append(UInt16(1).littleEndian); append(UInt32(rate).littleEndian); append(UInt32(rate * 2).littleEndian)
    append(UInt16(2).littleEndian); append(UInt16(16).littleEndian)
    data.append(contentsOf: Array("data".utf8)); append(UInt32(count * 2).littleEndian)
    data.reserveCapacity(data.count + count * 2)
    for index in 0..<count {
        let t = Double(index) / Double(rate)
        append(Int16(12_000 * sin(2 * Double.pi * (100 + 60 * t) * t)).littleEndian)
    }
    try data.write(to: URL(fileURLWithPath: path))
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let seconds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 60 : 60
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auris-audio-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
print("Decoding \(seconds) s of audio to 16 kHz mono, median of 7 runs")
for rate in [16_000, 44_100, 48_000] {
    let path = "\(directory)/tone-\(rate).wav"
    try writeWAV(path, rate: rate, seconds: seconds)
    for quality in rate == 16_000 ? [ResamplerQuality.high] : ResamplerQuality.allCases {
        let times = try (0..<7).map { _ -> Double in
            let started = Date()
            _ = try AudioDecoder.readAll(path: path, options: .init(resamplerQuality: quality))
            return Date().timeIntervalSince(started)
        }
        let label = rate == 16_000 ? "16000 Hz, no resampling" : "\(rate) Hz, \(quality.rawValue)"
        print("  \(label.padding(toLength: 26, withPad: " ", startingAt: 0)) \(String(format: "%7.1f ms  %7.0f× real time", median(times) * 1000, Double(seconds) / median(times)))")
    }
}
