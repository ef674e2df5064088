/// The operator's settings of a role, as a cluster keeps them in its store: the servers in
/// priority order (with those added at run time), which are in maintenance, and failback.
public struct RoleSettings: Equatable, Codable, Sendable {
    public var servers: [ServerSpec]
    public var maintenance: [String]
    public var failback: Bool

    public init(servers: [ServerSpec], maintenance: [String], failback: Bool) {
        self.servers = servers
        self.maintenance = maintenance
        self.failback = failback
    }
}

/// Cluster mode (one leader decides, every member follows the store). A member that does
/// not lead keeps its own health verdicts but never moves the role: the leader's settings
/// and active server come in through `adopt` and `follow`. The member that becomes leader
/// stops following and decides from the state it adopted, so losing a leader never moves
/// a role by itself.
extension RoleModel {
    public var settings: RoleSettings {
        RoleSettings(servers: servers.map(\.spec), maintenance: servers.filter(\.maintenance).map(\.name),
                     failback: failback)
    }

    /// Following on: no own decisions from now on. Off (this member leads): the normal rules
    /// apply at once to the adopted state; an adopted active server without a verdict here
    /// keeps the role until it has one.
    public mutating func setFollowing(_ following: Bool, at time: Timestamp) -> [ModelEvent] {
        guard isFollowing != following else { return [] }
        isFollowing = following
        return settle(.policy, at: time)
    }

    /// The leader's settings, adopted as they are: servers added, removed, reordered and
    /// readdressed, maintenance flags and failback. Health verdicts of servers that stay are
    /// kept; a new or readdressed server starts `unknown`. Returns the health events.
    public mutating func adopt(_ settings: RoleSettings, at time: Timestamp) throws(ModelError) -> [ModelEvent] {
        try Self.validateNames(settings.servers.map(\.name))
        let maintenance = Set(settings.maintenance)
        let old = Dictionary(servers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var events: [ModelEvent] = []
        servers = settings.servers.map { spec in
            guard let kept = old[spec.name], kept.address == spec.address else {
                return ServerStatus(name: spec.name, address: spec.address)
            }
            return kept
        }
        for i in servers.indices where servers[i].maintenance != maintenance.contains(servers[i].name) {
            updateState(of: i, at: time, into: &events) { $0.maintenance.toggle() }
        }
        failback = settings.failback
        if let pending = pendingChoice, index(of: pending.server) == nil { pendingChoice = nil }
        events += settle(.membership, at: time)
        return events
    }

    /// The leader's active server (nil: none), adopted whatever this member's own checks
    /// say of it; ends start-up. One failover event when it changes, with the leader's reason.
    public mutating func follow(active server: String?, reason: FailoverReason, at time: Timestamp) -> [ModelEvent] {
        isStartingUp = false
        pendingChoice = nil
        return changeActive(to: server, reason: reason, at: time)
    }
}
