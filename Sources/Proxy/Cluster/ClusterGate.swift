import Synchronization

/// Whether a member in cluster mode may forward now, read by every loop without a lock:
/// with `on-store-loss stop` only until its freshness runs out (so a member that was paused
/// or cut off forwards nothing before its next successful round trip, even before its
/// controller notices); with `hold` always.
final class ClusterGate: Sendable {
    private let origin = ContinuousClock.now
    /// Nanoseconds after `origin` when the member turns stale; 0: stale now.
    private let freshUntil = Atomic<Int>(0)
    let stopsWhenStale: Bool

    init(stopsWhenStale: Bool) {
        self.stopsWhenStale = stopsWhenStale
    }

    var mayForward: Bool {
        !stopsWhenStale || (ContinuousClock.now - origin).wholeNanoseconds < freshUntil.load(ordering: .relaxed)
    }

    /// Fresh until `instant` (nil: stale now).
    func setFresh(until instant: ContinuousClock.Instant?) {
        freshUntil.store(instant.map { ($0 - origin).wholeNanoseconds } ?? 0, ordering: .relaxed)
    }
}
