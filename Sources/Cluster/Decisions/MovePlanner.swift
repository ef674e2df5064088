import FailoverModel

/// The leader's writes of one role's active server. A planned move (maintenance, manual
/// activate, reorder, failback, event) is two steps so that at most one server receives
/// new traffic: first "no server" (clients are held), then, once every live member has
/// acknowledged that revision or `staleAfter` has passed, the new server. A failure move
/// is written at once: the old server is down anyway.
///
/// Pure: the decision, what the store says and the members' acknowledgements go in; what
/// to write (or until when to wait) comes out. One planner per role on the leader.
public struct MovePlanner: Sendable {
    public let staleAfter: Duration
    /// When this leader first saw the current step one, by its revision.
    private var stepOneSeen: (revision: Revision, at: ContinuousClock.Instant)?

    public init(staleAfter: Duration) {
        self.staleAfter = staleAfter
    }

    /// What the leader's model decided.
    public struct Decision: Sendable, Equatable {
        public var server: String?
        public var reason: FailoverReason
        public var at: Timestamp

        public init(server: String?, reason: FailoverReason, at: Timestamp) {
            self.server = server
            self.reason = reason
            self.at = at
        }
    }

    public enum Plan: Sendable, Equatable {
        /// The store already says what the leader decided.
        case nothing
        /// Put this record at `roles/ROLE/active`.
        case write(ActiveRecord)
        /// Step one is out and not every member acknowledged it: plan again on a new
        /// acknowledgement, or at `until` at the latest.
        case wait(until: ContinuousClock.Instant, waitingFor: [String])
    }

    public mutating func plan(_ decision: Decision, published: ActiveRecord?, revision: Revision,
                              acks: (acked: [String], waiting: [String]), now: ContinuousClock.Instant) -> Plan {
        guard let published else {
            return .write(ActiveRecord(server: decision.server, from: nil, reason: decision.reason, at: decision.at))
        }
        if !published.moving {
            stepOneSeen = nil
            if published.server == decision.server { return .nothing }
            let final = ActiveRecord(server: decision.server, from: published.server, reason: decision.reason, at: decision.at)
            guard published.server != nil, decision.server != nil, decision.reason.isPlanned else { return .write(final) }
            return .write(ActiveRecord(server: nil, from: published.server, reason: decision.reason, at: decision.at,
                                       moving: true, to: decision.server))
        }
        // Step one is out: nobody routes to `from` once they acknowledged it.
        if stepOneSeen?.revision != revision { stepOneSeen = (revision, now) }
        let final = ActiveRecord(server: decision.server, from: published.from, reason: decision.reason, at: decision.at)
        let deadline = stepOneSeen!.at + staleAfter
        if decision.server == nil || decision.server == published.from || acks.waiting.isEmpty || now >= deadline {
            return .write(final)
        }
        return .wait(until: deadline, waitingFor: acks.waiting)
    }
}

extension FailoverReason {
    /// Moves an operator or a policy asked for while the old server still works.
    public var isPlanned: Bool {
        switch self {
        case .maintenance, .manual, .reorder, .failback, .event: true
        case .failure, .startup: false
        }
    }
}
