/// Why the active server changed (SPEC §4).
public enum FailoverReason: String, Codable, Sendable, CaseIterable {
    case failure, maintenance, failback, event, manual, startup, reorder
}

/// One change of a role's active server. `to == nil` means the role has no active server;
/// `from == nil` means it had none.
public struct FailoverEvent: Equatable, Hashable, Sendable {
    public var role: String
    public var from: String?
    public var to: String?
    public var reason: FailoverReason
    public var at: Timestamp

    public init(role: String, from: String?, to: String?, reason: FailoverReason, at: Timestamp) {
        self.role = role
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}

/// One change of a server's reported state.
public struct HealthEvent: Equatable, Hashable, Sendable {
    public var role: String
    public var server: String
    public var state: ServerState
    public var at: Timestamp

    public init(role: String, server: String, state: ServerState, at: Timestamp) {
        self.role = role
        self.server = server
        self.state = state
        self.at = at
    }
}

/// What an input to the model caused, in the order it happened.
public enum ModelEvent: Equatable, Hashable, Sendable {
    case failover(FailoverEvent)
    case health(HealthEvent)

    public var role: String {
        switch self {
        case .failover(let event): event.role
        case .health(let event): event.role
        }
    }

    public var at: Timestamp {
        switch self {
        case .failover(let event): event.at
        case .health(let event): event.at
        }
    }
}
