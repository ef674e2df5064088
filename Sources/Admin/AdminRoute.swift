/// The paths of SPEC §5, parsed from a request's path segments.
enum AdminRoute: Equatable {
    case statusPage, healthz, readyz, metrics, events
    case roles
    case role(String)
    case servers(role: String)
    case server(role: String, server: String)
    case maintenance(role: String, server: String)
    case move(role: String, server: String)
    case failback(role: String)
    case activate(role: String)
    case cluster

    init?(segments s: [String]) {
        switch s.count {
        case 0: self = .statusPage
        case 1:
            switch s[0] {
            case "healthz": self = .healthz
            case "readyz": self = .readyz
            case "metrics": self = .metrics
            case "events": self = .events
            default: return nil
            }
        default:
            if s == ["api", "cluster"] { self = .cluster; return }
            guard s[0] == "api", s[1] == "roles" else { return nil }
            switch (s.count, s.dropFirst(2).first, s.count > 3 ? s[3] : nil) {
            case (2, _, _): self = .roles
            case (3, let role?, _): self = .role(role)
            case (4, let role?, "servers"): self = .servers(role: role)
            case (4, let role?, "failback"): self = .failback(role: role)
            case (4, let role?, "activate"): self = .activate(role: role)
            case (5, let role?, "servers"): self = .server(role: role, server: s[4])
            case (6, let role?, "servers") where s[5] == "maintenance": self = .maintenance(role: role, server: s[4])
            case (6, let role?, "servers") where s[5] == "move": self = .move(role: role, server: s[4])
            default: return nil
            }
        }
    }
}
