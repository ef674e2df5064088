/// A server as configured: a unique name and the address traffic goes to.
public struct ServerSpec: Hashable, Codable, Sendable {
    public var name: String
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }
}

/// One server of a role as the model sees it.
public struct ServerStatus: Equatable, Codable, Sendable {
    public var name: String
    public var address: String
    /// The operator's scheduled-downtime flag; checks keep running underneath it.
    public internal(set) var maintenance: Bool
    /// The verdict of the health checks alone.
    public internal(set) var health: Health
    /// Consecutive check results that disagree with `health` (passes while `down`,
    /// failures while `up`); reaching `rise` or `fall` flips the verdict. 0 while `unknown`.
    public internal(set) var streak: Int

    public init(name: String, address: String, maintenance: Bool = false,
                health: Health = .unknown, streak: Int = 0) {
        self.name = name
        self.address = address
        self.maintenance = maintenance
        self.health = health
        self.streak = streak
    }

    /// The reported state: maintenance wins over health.
    public var state: ServerState { maintenance ? .maintenance : health.state }

    /// Only an `up` server may host the role.
    public var isAvailable: Bool { state == .up }

    public var spec: ServerSpec { ServerSpec(name: name, address: address) }

    /// Applies one check result. The first result decides an `unknown` server at once;
    /// afterwards only `rise` (or `fall`) contrary results in a row flip the verdict, and a
    /// result that agrees with the verdict resets the run.
    mutating func record(passed: Bool, thresholds: HealthThresholds) {
        switch (health, passed) {
        case (.unknown, true):
            health = .up
            streak = 0
        case (.unknown, false):
            health = .down
            streak = 0
        case (.up, true), (.down, false):
            streak = 0
        case (.up, false):
            streak += 1
            if streak >= thresholds.fall {
                health = .down
                streak = 0
            }
        case (.down, true):
            streak += 1
            if streak >= thresholds.rise {
                health = .up
                streak = 0
            }
        }
    }
}
