import EventLoop

/// Where a role's new connections go: the active server, as the controller published it
/// to every loop. Loops read it without a lock: each has its own reference. Immutable; a
/// class so that an HTTP session keeps 8 bytes for it, not the 168 of the value (a
/// `sockaddr_storage` inside).
final class Route: Sendable, Equatable {
    let server: String
    let address: SocketAddress
    /// Cluster mode: the store revision that made `server` active, sent as `X-Failover-Epoch`.
    let epoch: Int64?
    /// `X-Failover-Epoch: N` CRLF, made once per route rather than once per request.
    let epochField: [UInt8]

    init(server: String, address: SocketAddress, epoch: Int64? = nil) {
        self.server = server
        self.address = address
        self.epoch = epoch
        epochField = epoch.map { Array("X-Failover-Epoch: \($0)\r\n".utf8) } ?? []
    }

    static func == (a: Route, b: Route) -> Bool {
        a.server == b.server && a.address == b.address && a.epoch == b.epoch
    }
}

/// What happens to sessions on a server that just lost the role.
enum Handover: Sendable, Equatable {
    /// Unplanned move with `on-failover close`: close at once, clients reconnect to the new server.
    case closeNow
    /// Planned move (maintenance, manual, event, failback, reorder): let them finish, up to a limit.
    case drain(Duration)
    /// Unplanned move with `on-failover keep`.
    case keep
}

/// One server's resolved addresses.
struct ServerTarget: Sendable, Equatable {
    let data: SocketAddress
    let health: SocketAddress
    /// `Host` header for HTTP health checks.
    let hostHeader: String
}
