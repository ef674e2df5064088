#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import FailoverModel

/// The wall clock, read only in the I/O shell (the pure core takes time as an input).
public enum WallClock {
    /// Milliseconds since the Unix epoch.
    public static func nowMilliseconds() -> Int64 {
        Int64(Syscall.clockNanoseconds(CLOCK_REALTIME) / 1_000_000)
    }

    /// Monotonic nanoseconds, for durations: the I/O layer's `SystemClock`.
    public static func monotonicNanoseconds() -> UInt64 {
        SystemClock().now.nanoseconds
    }

    /// Now, as the pure model's input.
    public static func now() -> Timestamp { Timestamp(milliseconds: nowMilliseconds()) }
}
