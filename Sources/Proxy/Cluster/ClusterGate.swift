import Synchronization

/// Whether a member in cluster mode may forward now, read by every loop without a lock:
/// with `on-store-loss stop` only until its freshness runs out (so a member that was paused
/// or cut off forwards nothing before its next successful round trip, even before its
/// controller notices); with `hold` always.
final class ClusterGate: Sendable {
    /// CLOCK_MONOTONIC nanoseconds when the member turns stale; 0: stale now. (Monotonic time
    /// runs on while the process is stopped, and reading it costs no system call.)
    private let freshUntil = Atomic<UInt64>(0)
    let stopsWhenStale: Bool

    init(stopsWhenStale: Bool) {
        self.stopsWhenStale = stopsWhenStale
    }

    var mayForward: Bool {
        !stopsWhenStale || WallClock.monotonicNanoseconds() < freshUntil.load(ordering: .relaxed)
    }

    /// Fresh until `instant` (nil: stale now).
    func setFresh(until instant: ContinuousClock.Instant?) {
        guard let instant else { return freshUntil.store(0, ordering: .relaxed) }
        let remaining = UInt64(max(0, (instant - .now).wholeNanoseconds))
        freshUntil.store(WallClock.monotonicNanoseconds() + remaining, ordering: .relaxed)
    }
}
