#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` `repetitions` times after one warm-up run and returns the median of what it
/// reports (the machines are shared and noisy: medians, not means or minimums).
func median(repetitions: Int = 15, _ body: () throws -> Double) rethrows -> Double {
    _ = try body()
    var samples = try (0..<repetitions).map { _ in try body() }
    samples.sort()
    return samples[samples.count / 2]
}

/// Monotonic nanoseconds.
func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
}

/// Fixed-width columns for the printed tables.
func row(_ cells: [String], widths: [Int]) -> String {
    zip(cells, widths).map { cell, width in
        cell.count >= width ? cell : cell + String(repeating: " ", count: width - cell.count)
    }.joined(separator: "  ")
}

func format(_ value: Double, decimals: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return decimals == 0 ? "\(Int(rounded))" : "\(rounded)"
}
