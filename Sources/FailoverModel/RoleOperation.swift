/// An operator's runtime change to one role (SPEC §5's mutating calls). Codable: cluster
/// members hand operations to the leader through the store.
public enum RoleOperation: Sendable, Equatable, Codable {
    /// Scheduled downtime on or off.
    case setMaintenance(server: String, enabled: Bool)
    /// Change priority; 0 is the top.
    case move(server: String, position: Int)
    /// Append a server at the bottom of the list; `address` is `host:port` or `[v6]:port`.
    case addServer(name: String, address: String)
    case removeServer(name: String)
    /// The force-highest-priority option.
    case setFailback(Bool)
    /// Manual move of the role.
    case activate(server: String)
}
