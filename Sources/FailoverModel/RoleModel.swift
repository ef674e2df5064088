/// The failover rules of one role (SPEC §4), as a pure value.
///
/// Every input is a `mutating` method that takes the time it happened and returns the
/// events it caused, in order: `health` events first (one per server whose reported state
/// changed), then at most one `failover` event (each input changes the active server at
/// most once; an event is emitted exactly when it changes).
///
/// Invariants after every input:
/// - `active`, when set, names a server that is `up`;
/// - out of start-up, `active == nil` only when no server is `up`;
/// - with `failback` on and no authoritative feed, out of start-up, `active` is the first
///   `up` server in list order.
public struct RoleModel: Equatable, Sendable {
    public var name: String
    /// May be changed at any time; the next check result is judged against the new values.
    public var thresholds: HealthThresholds
    /// In priority order: index 0 is the primary.
    public internal(set) var servers: [ServerStatus]
    /// The server hosting the role, or nil when none does.
    public internal(set) var active: String?
    /// `failback on`: the role always moves to the highest server that is up.
    public internal(set) var failback: Bool
    /// Before the first choice of an active server; ends at the first choice or when
    /// `startupDeadlineReached` is called.
    public internal(set) var isStartingUp: Bool
    /// While an authoritative event feed is connected, the model moves the role on its own
    /// only when the active server becomes unavailable (or there is none).
    public internal(set) var isFeedAuthoritative: Bool
    /// A server to go to once it has a verdict (see `PendingChoice`).
    public internal(set) var pendingChoice: PendingChoice?
    /// Cluster mode on a member that does not lead: the model never moves the role itself
    /// (see `RoleModel+Cluster`).
    public internal(set) var isFollowing: Bool = false

    /// A fresh role in its start-up phase: every server `unknown`, no active server.
    public init(name: String, servers: [ServerSpec], failback: Bool,
                thresholds: HealthThresholds) throws(ModelError) {
        try Self.validateNames(servers.map(\.name))
        self.name = name
        self.thresholds = thresholds
        self.servers = servers.map { ServerStatus(name: $0.name, address: $0.address) }
        self.active = nil
        self.failback = failback
        self.isStartingUp = true
        self.isFeedAuthoritative = false
        self.pendingChoice = nil
    }

    // MARK: Queries

    public func index(of server: String) -> Int? {
        servers.firstIndex { $0.name == server }
    }

    public func server(named name: String) -> ServerStatus? {
        index(of: name).map { servers[$0] }
    }

    /// The first `up` server in list order: who gets the role when it is free.
    public var firstAvailable: String? {
        servers.first(where: \.isAvailable)?.name
    }

    // MARK: Health inputs

    /// One health check result of `server`. Unknown server names are ignored (a result may
    /// race with the server's removal).
    public mutating func recordCheck(server: String, passed: Bool, at time: Timestamp) -> [ModelEvent] {
        guard let i = index(of: server) else { return [] }
        var events: [ModelEvent] = []
        let thresholds = thresholds
        updateState(of: i, at: time, into: &events) {
            $0.record(passed: passed, thresholds: thresholds)
        }
        events += settle(.health, at: time)
        return events
    }

    /// A failed connect or a reset seen by the data plane: counts as one failed check
    /// (the caller then re-checks at once).
    public mutating func reportPassiveFailure(server: String, at time: Timestamp) -> [ModelEvent] {
        recordCheck(server: server, passed: false, at: time)
    }

    /// Ends start-up (one `interval` + `timeout` after start): the role goes to the first
    /// available server, or stays without one. No effect after start-up.
    public mutating func startupDeadlineReached(at time: Timestamp) -> [ModelEvent] {
        guard isStartingUp else { return [] }
        isStartingUp = false
        if pendingChoice?.kind == .restored { pendingChoice = nil }
        return settle(.deadline, at: time)
    }

    // MARK: Operator inputs

    /// Scheduled downtime on or off. On the active server it is a planned move
    /// (reason `maintenance`). Leaving maintenance reveals the current health verdict.
    public mutating func setMaintenance(server: String, enabled: Bool,
                                        at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        let i = try existingIndex(of: server)
        guard servers[i].maintenance != enabled else { return [] }
        var events: [ModelEvent] = []
        updateState(of: i, at: time, into: &events) { $0.maintenance = enabled }
        events += settle(.maintenance, at: time)
        return events
    }

    /// Moves `server` to `position` (0 = top). Changes only who is picked next, except that
    /// with failback on the role moves at once to a higher server that is up (reason `reorder`).
    public mutating func move(server: String, to position: Int,
                              at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        let i = try existingIndex(of: server)
        guard servers.indices.contains(position) else {
            throw .positionOutOfRange(position: position, count: servers.count)
        }
        guard i != position else { return [] }
        servers.insert(servers.remove(at: i), at: position)
        return settle(.reorder, at: time)
    }

    /// Appends a server at the bottom of the list, `unknown` until its first check.
    public mutating func addServer(name server: String, address: String,
                                   at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        try Self.validateNames(servers.map(\.name) + [server])
        servers.append(ServerStatus(name: server, address: address))
        return settle(.membership, at: time)
    }

    /// Removes a server. Removing the active one moves the role (reason `manual`).
    public mutating func removeServer(name server: String,
                                      at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        let i = try existingIndex(of: server)
        guard servers.count > 1 else { throw .lastServer(server) }
        servers.remove(at: i)
        return settle(.membership, at: time)
    }

    /// `failback on|off`. Turning it on moves the role at once to a higher server that is
    /// up (reason `failback`), unless the feed is authoritative.
    public mutating func setFailback(_ enabled: Bool, at time: Timestamp) -> [ModelEvent] {
        guard failback != enabled else { return [] }
        failback = enabled
        return settle(.policy, at: time)
    }

    /// Manual move of the role (reason `manual`); ends start-up. Refused for a server that
    /// is not `up`, and, with failback on and no authoritative feed, for a server below
    /// another `up` one (failback would take the role straight back).
    public mutating func activate(server: String, at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        let i = try existingIndex(of: server)
        guard servers[i].isAvailable else {
            throw .serverNotAvailable(server, state: servers[i].state)
        }
        if failbackApplies, let top = servers.firstIndex(where: \.isAvailable), top < i {
            throw .failbackOverrides(server: server, preferred: servers[top].name)
        }
        pendingChoice = nil
        isStartingUp = false
        return changeActive(to: server, reason: .manual, at: time)
    }

    // MARK: Authoritative events

    /// A failover event from the feed or the admin API (reason `event`). Followed when the
    /// server is `up`; remembered as a `PendingChoice` while it is `unknown`; ignored when
    /// the server is not in the list, `down` or in maintenance (an ignored event still
    /// supersedes an earlier pending one). With failback on and no authoritative feed, an
    /// event naming a server below an `up` one causes no change: failback would undo it.
    public mutating func applyFailoverEvent(to server: String, at time: Timestamp) -> [ModelEvent] {
        guard let i = index(of: server) else { return [] }
        switch servers[i].state {
        case .down, .maintenance:
            pendingChoice = nil
            return []
        case .unknown, .up:
            guard server != active else {
                pendingChoice = nil
                return []
            }
            pendingChoice = PendingChoice(server: server, kind: .event)
            return settle(.event, at: time)
        }
    }

    /// Whether an authoritative event feed is connected. While it is, failback (and reorder)
    /// moves are suppressed; dropping it applies the normal rules again at once.
    public mutating func setFeedAuthority(_ connected: Bool, at time: Timestamp) -> [ModelEvent] {
        guard isFeedAuthoritative != connected else { return [] }
        isFeedAuthoritative = connected
        return settle(.policy, at: time)
    }

    // MARK: Helpers

    var failbackApplies: Bool { failback && !isFeedAuthoritative }

    func existingIndex(of server: String) throws(ModelError) -> Int {
        guard let i = index(of: server) else { throw .unknownServer(server) }
        return i
    }

    static func validateNames(_ names: [String]) throws(ModelError) {
        var seen = Set<String>()
        for name in names {
            guard !name.isEmpty else { throw .invalidServerName(name) }
            guard seen.insert(name).inserted else { throw .duplicateServer(name) }
        }
    }

    /// Applies `change` to server `i` and records a health event if its reported state changed.
    mutating func updateState(of i: Int, at time: Timestamp, into events: inout [ModelEvent],
                              _ change: (inout ServerStatus) -> Void) {
        let before = servers[i].state
        change(&servers[i])
        let after = servers[i].state
        if after != before {
            events.append(.health(HealthEvent(role: name, server: servers[i].name, state: after, at: time)))
        }
    }

    mutating func changeActive(to server: String?, reason: FailoverReason, at time: Timestamp) -> [ModelEvent] {
        guard server != active else { return [] }
        let event = FailoverEvent(role: name, from: active, to: server, reason: reason, at: time)
        active = server
        return [.failover(event)]
    }
}
