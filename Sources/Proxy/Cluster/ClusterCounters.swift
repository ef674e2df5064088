import Synchronization

/// What `/metrics` shows of the cluster: read on scrape from any thread.
public final class ClusterCounters: Sendable {
    public struct Values: Sendable, Equatable {
        public var leading = false
        public var fresh = false
        public var leaderChanges = 0
        public var malformed = 0
        public var fencedWrites = 0
        public var roundTrips = 0
        public var failedCalls = 0
        public var roundTripSeconds = 0.0

        public init() {}
    }

    private let values = Mutex(Values())

    var snapshot: Values { values.withLock { $0 } }

    func update(_ body: (inout Values) -> Void) { values.withLock { body(&$0) } }

    func roundTrip(ok: Bool, seconds: Double) {
        values.withLock {
            if ok {
                $0.roundTrips += 1
                $0.roundTripSeconds += seconds
            } else {
                $0.failedCalls += 1
            }
        }
    }
}
