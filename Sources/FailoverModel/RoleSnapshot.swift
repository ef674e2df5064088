/// Everything a `RoleModel` holds, for the state file and for restoring a model exactly:
/// `RoleModel(restoring: model.snapshot()) == model`.
public struct RoleSnapshot: Equatable, Codable, Sendable {
    /// Bumped when the layout changes incompatibly.
    public static let currentFormat = 1

    public var format: Int
    public var name: String
    public var thresholds: HealthThresholds
    /// In priority order, with maintenance flags and health verdicts.
    public var servers: [ServerStatus]
    public var failback: Bool
    public var active: String?
    public var isStartingUp: Bool
    public var isFeedAuthoritative: Bool
    public var pendingChoice: PendingChoice?

    public init(format: Int = RoleSnapshot.currentFormat, name: String, thresholds: HealthThresholds,
                servers: [ServerStatus], failback: Bool, active: String?, isStartingUp: Bool,
                isFeedAuthoritative: Bool, pendingChoice: PendingChoice?) {
        self.format = format
        self.name = name
        self.thresholds = thresholds
        self.servers = servers
        self.failback = failback
        self.active = active
        self.isStartingUp = isStartingUp
        self.isFeedAuthoritative = isFeedAuthoritative
        self.pendingChoice = pendingChoice
    }
}

extension RoleModel {
    public func snapshot() -> RoleSnapshot {
        RoleSnapshot(name: name, thresholds: thresholds, servers: servers, failback: failback,
                     active: active, isStartingUp: isStartingUp,
                     isFeedAuthoritative: isFeedAuthoritative, pendingChoice: pendingChoice)
    }

    /// The exact model a snapshot was taken of. Refuses a snapshot that breaks the model's
    /// invariants (e.g. a hand-edited state file naming a `down` server as active).
    public init(restoring snapshot: RoleSnapshot) throws(ModelError) {
        try Self.validateNames(snapshot.servers.map(\.name))
        self.name = snapshot.name
        self.thresholds = snapshot.thresholds
        self.servers = snapshot.servers
        self.active = snapshot.active
        self.failback = snapshot.failback
        self.isStartingUp = snapshot.isStartingUp
        self.isFeedAuthoritative = snapshot.isFeedAuthoritative
        self.pendingChoice = snapshot.pendingChoice
        self.isFollowing = false
        if let violation = invariantViolation {
            throw .invalidSnapshot(violation)
        }
    }

    /// The model after a process restart: the snapshot's order, maintenance flags and
    /// failback setting, health back to `unknown`, start-up again with the snapshot's
    /// active server as the preferred choice (so a restart does not silently fail back).
    ///
    /// With `configuredServers`, the config decides which servers exist and their
    /// addresses: servers in both keep the snapshot's order and maintenance flag, servers
    /// only in the config are appended in config order, servers only in the snapshot are
    /// dropped. Without it, the snapshot's servers are kept.
    public static func restarting(from snapshot: RoleSnapshot, configuredServers: [ServerSpec]? = nil,
                                  thresholds: HealthThresholds) throws(ModelError) -> RoleModel {
        let specs: [ServerSpec]
        if let configured = configuredServers {
            try validateNames(configured.map(\.name))
            let address = Dictionary(configured.map { ($0.name, $0.address) }, uniquingKeysWith: { a, _ in a })
            let kept = snapshot.servers.compactMap { old in
                address[old.name].map { ServerSpec(name: old.name, address: $0) }
            }
            let keptNames = Set(kept.map(\.name))
            specs = kept + configured.filter { !keptNames.contains($0.name) }
        } else {
            specs = snapshot.servers.map(\.spec)
        }
        var model = try RoleModel(name: snapshot.name, servers: specs, failback: snapshot.failback,
                                  thresholds: thresholds)
        let inMaintenance = Set(snapshot.servers.filter(\.maintenance).map(\.name))
        for i in model.servers.indices where inMaintenance.contains(model.servers[i].name) {
            model.servers[i].maintenance = true
        }
        if let previous = snapshot.active, model.index(of: previous) != nil {
            model.pendingChoice = PendingChoice(server: previous, kind: .restored)
        }
        return model
    }

    /// The first broken invariant, if any; nil for every model the inputs can produce.
    var invariantViolation: String? {
        if let active {
            guard let server = server(named: active) else { return "active '\(active)' is not a server" }
            guard server.isAvailable else { return "active '\(active)' is \(server.state.rawValue)" }
        } else if !isStartingUp, let up = firstAvailable {
            return "no active server although '\(up)' is up"
        }
        if let pending = pendingChoice, index(of: pending.server) == nil {
            return "pending choice '\(pending.server)' is not a server"
        }
        if let bad = servers.first(where: { $0.streak < 0 || ($0.health == .unknown && $0.streak != 0) }) {
            return "server '\(bad.name)' has an impossible health counter"
        }
        if !isStartingUp, failbackApplies, active != firstAvailable {
            return "failback is on but '\(active ?? "nothing")' is not the first up server"
        }
        return nil
    }
}

/// Encoded as its snapshot; decoding validates like `init(restoring:)`.
extension RoleModel: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(restoring: RoleSnapshot(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try snapshot().encode(to: encoder)
    }
}
