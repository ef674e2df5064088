import AdminAPI
import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Proxy

/// The JSON shapes of the admin API (SPEC §5), encoded with Foundation off the hot path.
enum JSONBodies {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers, bools and optionals always encode.
        return (try? [UInt8](encoder.encode(value))) ?? Array("{}".utf8)
    }

    static func error(_ message: String) -> [UInt8] { encode(ErrorDocument(error: message)) }

    static func roles(_ statuses: [RoleStatus]) -> [UInt8] { encode(RolesDocument(roles: statuses.map(RoleDocument.init))) }

    static func role(_ status: RoleStatus) -> [UInt8] { encode(RoleDocument(status)) }

    static func cluster(_ status: ClusterStatus) -> [UInt8] { encode(ClusterDocument(status)) }

    /// The answer to a mutating call: the events it caused and the role after it.
    static func change(events: [ModelEvent], role: RoleStatus?) -> [UInt8] {
        encode(ChangeDocument(events: events, role: role.map(RoleDocument.init)))
    }
}

// The documents themselves live in AdminAPI, where `ctl` decodes them.

extension RoleDocument {
    init(_ status: RoleStatus) {
        self.init(name: status.name, mode: status.mode.rawValue, failback: status.failback, active: status.active,
                  epoch: status.epoch, feed: status.feed, servers: status.servers.map(ServerDocument.init))
    }
}

extension ServerDocument {
    init(_ server: RoleStatus.Server) {
        self.init(name: server.name, address: server.address, state: server.state.rawValue, active: server.isActive,
                  sessions: server.sessions, lastCheck: server.lastCheck.map(CheckDocument.init))
    }
}

extension CheckDocument {
    init(_ check: CheckResult) {
        self.init(passed: check.passed, detail: check.detail, durationMs: (check.durationMilliseconds * 10).rounded() / 10,
                  at: check.at.rfc3339)
    }
}
