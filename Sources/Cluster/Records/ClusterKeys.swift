/// Where a cluster keeps what in the store, all under `/failover-proxy/NAME/`:
///
///     leader                 the leading member's node name, on its lease
///     members/NODE           a member: its advertise address and last acknowledged revision, on its lease
///     roles/ROLE/settings    the operator's settings (servers in order, maintenance, failback)
///     roles/ROLE/active      the active server; its mod revision is the role's epoch
///     requests/ID            an admin call made on some member, for the leader to apply
///     results/ID             the leader's answer to a request
public struct ClusterKeys: Sendable, Equatable {
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public var leader: String { prefix + "leader" }
    public func member(_ node: String) -> String { prefix + "members/" + node }
    public func settings(_ role: String) -> String { prefix + "roles/" + role + "/settings" }
    public func active(_ role: String) -> String { prefix + "roles/" + role + "/active" }
    public func request(_ id: String) -> String { prefix + "requests/" + id }
    public func result(_ id: String) -> String { prefix + "results/" + id }

    /// What a key under the prefix is; nil for a key the cluster does not use.
    public func kind(of key: String) -> KeyKind? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (parts.count, parts.first) {
        case (1, "leader"): return .leader
        case (2, "members") where !parts[1].isEmpty: return .member(parts[1])
        case (2, "requests") where !parts[1].isEmpty: return .request(parts[1])
        case (2, "results") where !parts[1].isEmpty: return .result(parts[1])
        case (3, "roles") where !parts[1].isEmpty && parts[2] == "settings": return .settings(parts[1])
        case (3, "roles") where !parts[1].isEmpty && parts[2] == "active": return .active(parts[1])
        default: return nil
        }
    }

    public enum KeyKind: Sendable, Equatable {
        case leader
        case member(String)
        case settings(String)
        case active(String)
        case request(String)
        case result(String)
    }
}
