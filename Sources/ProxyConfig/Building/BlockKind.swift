/// The places a directive can appear, with the directive names each one knows.
enum BlockKind: CaseIterable {
    case top
    case admin
    case role
    case health
    case cluster

    var directives: [String] {
        switch self {
        case .top: ["admin", "state-file", "access-log", "shutdown-timeout", "workers", "max-connections", "role", "cluster"]
        case .admin: ["listen", "token-file"]
        case .role:
            [
                "listen", "mode", "failback", "on-failover", "hold", "drain-timeout", "connect-timeout",
                "idle-timeout", "head-timeout", "events", "database", "health", "server",
                "tls-certificate", "tls-key", "tls-ca", "tls-verify", "compress", "compress-min-size",
                "max-head-size", "max-headers", "splice", "max-connections", "hold-queue",
            ]
        case .health: ["path", "expect", "interval", "timeout", "rise", "fall"]
        case .cluster:
            [
                "name", "node", "advertise", "etcd", "lease-ttl", "stale-after", "on-store-loss",
                "etcd-ca", "etcd-certificate", "etcd-key", "etcd-user", "etcd-password-file",
            ]
        }
    }

    /// How diagnostics name the place: "at the top level", "in a 'role' block".
    var placeDescription: String {
        switch self {
        case .top: "at the top level"
        case .admin: "in an 'admin' block"
        case .role: "in a 'role' block"
        case .health: "in a 'health' block"
        case .cluster: "in a 'cluster' block"
        }
    }

    var blockName: String {
        switch self {
        case .top: "top level"
        case .admin: "admin"
        case .role: "role"
        case .health: "health"
        case .cluster: "cluster"
        }
    }

    /// The message for a directive this block does not know.
    func unknownDirectiveMessage(_ name: String) -> String {
        if let suggestion = Suggestion.nearest(to: name, in: directives) {
            return "unknown directive '\(name)'; did you mean '\(suggestion)'?"
        }
        let homes = BlockKind.allCases.filter { $0 != self && $0 != .top && $0.directives.contains(name) }
        if !homes.isEmpty {
            let names = homes.map { "'\($0.blockName)'" }.joined(separator: " or ")
            return "'\(name)' is not allowed \(placeDescription); it belongs in a \(names) block"
        }
        return "unknown directive '\(name)'"
    }
}

extension ConfigParser {
    /// Every directive the parser knows, by block ("top level", "admin", "role",
    /// "health", "cluster"), so the manual can be checked against it.
    public static var directives: [(block: String, names: [String])] {
        BlockKind.allCases.map { ($0.blockName, $0.directives) }
    }

    /// The options of a `server` line.
    public static var serverOptions: [String] { RoleBuilder.serverOptions }
}
