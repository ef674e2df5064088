import EventLoop
import Synchronization

/// Whether a member in cluster mode may forward now, read by every loop without a lock:
/// with `on-store-loss stop` only until its freshness runs out (so a member that was paused
/// or cut off forwards nothing before its next successful round trip, even before its
/// controller notices); with `hold` always.
final class ClusterGate: Sendable {
    /// `clock`'s instant (in nanoseconds) when the member turns stale; 0: stale now.
    /// (Monotonic time runs on while the process is stopped, and reading it costs no system call.)
    private let freshUntil = Atomic<UInt64>(0)
    let stopsWhenStale: Bool
    private let clock: any MonotonicClock

    init(stopsWhenStale: Bool, clock: any MonotonicClock = SystemClock()) {
        self.stopsWhenStale = stopsWhenStale
        self.clock = clock
    }

    var mayForward: Bool {
        !stopsWhenStale || clock.now.nanoseconds < freshUntil.load(ordering: .relaxed)
    }

    /// Fresh until `instant` (nil: stale now).
    func setFresh(until instant: ContinuousClock.Instant?) {
        guard let instant else { return freshUntil.store(0, ordering: .relaxed) }
        // The cluster's decisions keep `ContinuousClock` time: carried over as the time left.
        freshUntil.store((clock.now + (instant - .now)).nanoseconds, ordering: .relaxed)
    }
}
