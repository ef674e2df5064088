/// Why an operator call was refused. A refused call leaves the model unchanged.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No server of the role has this name.
    case unknownServer(String)
    /// A server with this name already exists in the role.
    case duplicateServer(String)
    /// Server names must not be empty.
    case invalidServerName(String)
    /// `move` to a position outside `0..<count`.
    case positionOutOfRange(position: Int, count: Int)
    /// The only server of a role cannot be removed.
    case lastServer(String)
    /// Manual activation needs a server that is `up`.
    case serverNotAvailable(String, state: ServerState)
    /// With `failback on` (and no authoritative feed) the role would move straight back to
    /// `preferred`, a higher server that is up: turn failback off first.
    case failbackOverrides(server: String, preferred: String)
    /// A restored snapshot breaks a rule of the model.
    case invalidSnapshot(String)

    public var description: String {
        switch self {
        case .unknownServer(let name):
            "unknown server '\(name)'"
        case .duplicateServer(let name):
            "server '\(name)' already exists"
        case .invalidServerName(let name):
            "invalid server name '\(name)'"
        case .positionOutOfRange(let position, let count):
            "position \(position) is out of range 0..<\(count)"
        case .lastServer(let name):
            "cannot remove '\(name)': it is the role's only server"
        case .serverNotAvailable(let name, let state):
            "server '\(name)' is \(state.rawValue), not up"
        case .failbackOverrides(let server, let preferred):
            "failback is on: the role would move from '\(server)' straight back to '\(preferred)'"
        case .invalidSnapshot(let why):
            "invalid snapshot: \(why)"
        }
    }
}
