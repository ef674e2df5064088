import FailoverModel

// The admin API's JSON shapes (docs/admin-api.md): the admin server encodes these very
// types and `ctl` decodes them, so a change of shape changes both sides at once.
// Optional keys the API always sends (`null` when absent) are encoded explicitly.

/// `GET /api/roles`.
public struct RolesDocument: Codable, Equatable, Sendable {
    public let roles: [RoleDocument]
    public init(roles: [RoleDocument]) { self.roles = roles }
}

/// The answer to a mutating call: the events it caused and the role after it.
public struct ChangeDocument: Codable, Equatable, Sendable {
    public let events: [ModelEvent]
    public let role: RoleDocument?
    public init(events: [ModelEvent], role: RoleDocument?) {
        self.events = events
        self.role = role
    }
}

/// One role: `GET /api/roles/NAME`, and each entry of `/api/roles`.
public struct RoleDocument: Codable, Equatable, Sendable {
    public let name: String
    public let mode: String
    public let failback: Bool
    public let active: String?
    /// Cluster mode only: the store revision that made `active` the active server.
    public let epoch: Int64?
    /// A role with `events`, while a feed is connected.
    public let feed: String?
    public let servers: [ServerDocument]

    public init(name: String, mode: String, failback: Bool, active: String?, epoch: Int64?, feed: String?, servers: [ServerDocument]) {
        self.name = name
        self.mode = mode
        self.failback = failback
        self.active = active
        self.epoch = epoch
        self.feed = feed
        self.servers = servers
    }

    enum CodingKeys: String, CodingKey { case name, mode, failback, active, epoch, feed, servers }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(mode, forKey: .mode)
        try c.encode(failback, forKey: .failback)
        try c.encode(active, forKey: .active)  // null when no server hosts the role
        try c.encodeIfPresent(epoch, forKey: .epoch)
        try c.encodeIfPresent(feed, forKey: .feed)
        try c.encode(servers, forKey: .servers)
    }
}

public struct ServerDocument: Codable, Equatable, Sendable {
    public let name: String
    public let address: String
    public let state: String
    public let active: Bool
    /// Open client sessions on this server, over every loop.
    public let sessions: Int
    public let lastCheck: CheckDocument?

    public init(name: String, address: String, state: String, active: Bool, sessions: Int, lastCheck: CheckDocument?) {
        self.name = name
        self.address = address
        self.state = state
        self.active = active
        self.sessions = sessions
        self.lastCheck = lastCheck
    }

    enum CodingKeys: String, CodingKey { case name, address, state, active, sessions, lastCheck }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(address, forKey: .address)
        try c.encode(state, forKey: .state)
        try c.encode(active, forKey: .active)
        try c.encode(sessions, forKey: .sessions)
        try c.encode(lastCheck, forKey: .lastCheck)  // null before the first check
    }
}

public struct CheckDocument: Codable, Equatable, Sendable {
    public let passed: Bool
    public let detail: String
    /// Milliseconds, to a tenth.
    public let durationMs: Double
    /// RFC 3339.
    public let at: String

    public init(passed: Bool, detail: String, durationMs: Double, at: String) {
        self.passed = passed
        self.detail = detail
        self.durationMs = durationMs
        self.at = at
    }
}

/// Any refused call: `{"error": "…"}` with the HTTP status.
public struct ErrorDocument: Codable, Equatable, Sendable {
    public let error: String
    public init(error: String) { self.error = error }
}
