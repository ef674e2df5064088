import FailoverModel
import Foundation
import Proxy

/// The JSON shapes of the admin API (SPEC §5), encoded with Foundation off the hot path.
enum JSONBodies {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers, bools and optionals always encode.
        return (try? [UInt8](encoder.encode(value))) ?? Array("{}".utf8)
    }

    static func error(_ message: String) -> [UInt8] { encode(["error": message]) }

    static func roles(_ statuses: [RoleStatus]) -> [UInt8] { encode(RolesDocument(roles: statuses.map(RoleDocument.init))) }

    static func role(_ status: RoleStatus) -> [UInt8] { encode(RoleDocument(status)) }

    static func cluster(_ status: ClusterStatus) -> [UInt8] { encode(ClusterDocument(status)) }

    /// The answer to a mutating call: the events it caused and the role after it.
    static func change(events: [ModelEvent], role: RoleStatus?) -> [UInt8] {
        encode(ChangeDocument(events: events, role: role.map(RoleDocument.init)))
    }
}

struct RolesDocument: Encodable {
    let roles: [RoleDocument]
}

struct ChangeDocument: Encodable {
    let events: [ModelEvent]
    let role: RoleDocument?
}

struct RoleDocument: Encodable {
    let name: String
    let mode: String
    let failback: Bool
    let active: String?
    let epoch: Int64?
    let feed: String?
    let servers: [ServerDocument]

    init(_ status: RoleStatus) {
        name = status.name
        mode = status.mode.rawValue
        failback = status.failback
        active = status.active
        epoch = status.epoch
        feed = status.feed
        servers = status.servers.map(ServerDocument.init)
    }

    enum CodingKeys: String, CodingKey { case name, mode, failback, active, epoch, feed, servers }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(mode, forKey: .mode)
        try c.encode(failback, forKey: .failback)
        try c.encode(active, forKey: .active)  // null when no server hosts the role
        try c.encodeIfPresent(epoch, forKey: .epoch)  // cluster mode only
        try c.encodeIfPresent(feed, forKey: .feed)  // a role with `events`, while connected
        try c.encode(servers, forKey: .servers)
    }
}

struct ServerDocument: Encodable {
    let name: String
    let address: String
    let state: String
    let active: Bool
    let sessions: Int
    let lastCheck: CheckDocument?

    init(_ server: RoleStatus.Server) {
        name = server.name
        address = server.address
        state = server.state.rawValue
        active = server.isActive
        sessions = server.sessions
        lastCheck = server.lastCheck.map(CheckDocument.init)
    }

    enum CodingKeys: String, CodingKey { case name, address, state, active, sessions, lastCheck }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(address, forKey: .address)
        try c.encode(state, forKey: .state)
        try c.encode(active, forKey: .active)
        try c.encode(sessions, forKey: .sessions)
        try c.encode(lastCheck, forKey: .lastCheck)  // null before the first check
    }
}

struct CheckDocument: Encodable {
    let passed: Bool
    let detail: String
    let durationMs: Double
    let at: String

    init(_ check: CheckResult) {
        passed = check.passed
        detail = check.detail
        durationMs = (check.durationMilliseconds * 10).rounded() / 10
        at = check.at.rfc3339
    }
}
