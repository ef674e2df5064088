/// The whole of `proxy.conf`, typed. Every field not written in the file holds its
/// documented default.
public struct ProxyConfiguration: Sendable, Equatable {
    /// The `admin` block; nil when the file has none (the CLI decides what that means;
    /// `AdminConfig()` is the loopback default of SPEC §5).
    public var admin: AdminConfig?
    /// `state-file PATH`: where runtime changes are kept; nil: not kept.
    public var stateFile: String?
    /// `access-log stderr|PATH`; nil: no access log.
    public var accessLog: AccessLogTarget?
    /// `shutdown-timeout`, default 10s: how long in-flight work may finish on SIGTERM.
    public var shutdownTimeout: Duration
    /// `workers auto|N`, default auto (one event loop per core).
    public var workers: WorkerCount
    /// The `role` blocks in file order.
    public var roles: [RoleConfig]
    /// The `cluster` block; nil: this instance decides alone.
    public var cluster: ClusterConfig?
    /// `max-connections auto|N`, default auto (derived from the descriptor limit, see
    /// `DescriptorBudget`): open client connections of all roles together.
    public var maxConnections: MaxConnections
    /// Where `max-connections` is, when written (for `check`'s warning).
    public var maxConnectionsLocation: SourceLocation?

    public static let defaultShutdownTimeout: Duration = .seconds(10)

    public init(
        admin: AdminConfig? = nil,
        stateFile: String? = nil,
        accessLog: AccessLogTarget? = nil,
        shutdownTimeout: Duration = ProxyConfiguration.defaultShutdownTimeout,
        workers: WorkerCount = .auto,
        roles: [RoleConfig] = [],
        cluster: ClusterConfig? = nil,
        maxConnections: MaxConnections = .auto,
        maxConnectionsLocation: SourceLocation? = nil
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsLocation = maxConnectionsLocation
        self.admin = admin
        self.stateFile = stateFile
        self.accessLog = accessLog
        self.shutdownTimeout = shutdownTimeout
        self.workers = workers
        self.roles = roles
        self.cluster = cluster
    }

    public func role(named name: String) -> RoleConfig? { roles.first { $0.name == name } }
}

/// Where `access-log` lines go.
public enum AccessLogTarget: Sendable, Hashable {
    case stderr
    case file(String)
}

/// `max-connections`: `auto` fits the descriptor limit.
public enum MaxConnections: Sendable, Hashable {
    case auto
    case count(Int)
}

/// `workers`: `auto` is one event loop per core.
public enum WorkerCount: Sendable, Hashable {
    case auto
    case count(Int)
}
