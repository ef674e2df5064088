import Dispatch
import Glibc

/// A point on the monotonic clock: nanoseconds since an arbitrary origin (boot). The I/O
/// layer's deadlines are instants; the time between two of them is a `Duration`.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Later by `delay` (a negative delay counts as none; saturates instead of wrapping).
    public static func + (instant: Self, delay: Duration) -> Self {
        let nanos = UInt64(clamping: max(0, delay.nanoseconds))
        let (sum, overflow) = instant.nanoseconds.addingReportingOverflow(nanos)
        return Self(nanoseconds: overflow ? .max : sum)
    }

    /// The time from `b` to `a` (negative when `a` is earlier).
    public static func - (a: Self, b: Self) -> Duration {
        a >= b ? .nanoseconds(Int64(clamping: a.nanoseconds - b.nanoseconds))
               : .nanoseconds(-Int64(clamping: b.nanoseconds - a.nanoseconds))
    }
}

/// Where the I/O layer reads the time for its deadlines (the timer queue, the cluster's
/// freshness gate, durations of checks and sessions): the system's monotonic clock in the
/// product, a manual one in tests, so a deadline can be driven without sleeping.
public protocol MonotonicClock: Sendable {
    var now: MonotonicInstant { get }
    /// When Dispatch should wake up for `instant` (arming the loop's timer source). A manual
    /// clock answers `.distantFuture`: its test runs the due timers itself.
    func dispatchTime(for instant: MonotonicInstant) -> DispatchTime
}

/// CLOCK_MONOTONIC: the clock `DispatchTime(uptimeNanoseconds:)` counts on Linux, so an
/// instant arms a Dispatch timer as it is. It runs on while the process is stopped.
public struct SystemClock: MonotonicClock {
    public init() {}

    public var now: MonotonicInstant { MonotonicInstant(nanoseconds: Syscall.clockNanoseconds(CLOCK_MONOTONIC)) }

    public func dispatchTime(for instant: MonotonicInstant) -> DispatchTime {
        DispatchTime(uptimeNanoseconds: max(instant.nanoseconds, 1))
    }
}
