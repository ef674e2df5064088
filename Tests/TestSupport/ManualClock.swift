import Dispatch
import EventLoop
import Synchronization

/// A clock that moves only when the test says so: deadlines are driven without sleeping.
/// Dispatch never wakes a loop for it; after `advance` the test runs the due timers itself.
public final class ManualClock: MonotonicClock {
    private let current: Mutex<MonotonicInstant>

    /// Starts at an arbitrary, non-zero instant (zero means "no deadline" in places).
    public init(start: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000)) {
        current = Mutex(start)
    }

    public var now: MonotonicInstant { current.withLock { $0 } }

    public func advance(by delay: Duration) {
        current.withLock { $0 = $0 + delay }
    }

    public func dispatchTime(for instant: MonotonicInstant) -> DispatchTime { .distantFuture }
}
