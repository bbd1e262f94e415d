#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Clock reads for the allocator's hot path, without Foundation.
enum Clocks {
    /// Monotonic nanoseconds, for durations.
    @inline(__always)
    static func monotonicNanoseconds() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return time.tv_sec * 1_000_000_000 + time.tv_nsec
    }

    /// Wall-clock microseconds since 1970, for event timestamps users correlate with logs.
    ///
    /// Read from the coarse clock (the kernel's last tick, a few milliseconds of resolution),
    /// which costs a memory read instead of a timer read: events sit on the allocate/free path,
    /// and a memory timeline needs no finer resolution.
    @inline(__always)
    static func wallClockMicroseconds() -> Int {
        var time = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &time)
        #else
        clock_gettime(CLOCK_REALTIME, &time)
        #endif
        return time.tv_sec * 1_000_000 + time.tv_nsec / 1_000
    }
}
