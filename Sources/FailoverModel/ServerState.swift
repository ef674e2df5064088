/// What the model reports for a server (SPEC §4). `maintenance` is the operator's flag and
/// wins over the health verdict; otherwise it is the health verdict.
public enum ServerState: String, Codable, Sendable, CaseIterable {
    case unknown, up, down, maintenance
}

/// The health verdict alone, as the checks decide it, kept apart from the maintenance flag
/// so leaving maintenance reveals the current verdict (HAProxy keeps operational and admin
/// state apart the same way).
public enum Health: String, Codable, Sendable, CaseIterable {
    case unknown, up, down

    public var state: ServerState {
        switch self {
        case .unknown: .unknown
        case .up: .up
        case .down: .down
        }
    }
}
