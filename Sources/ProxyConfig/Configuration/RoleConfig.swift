/// A `role NAME { … }` block: one failover role, its listeners and its ordered servers.
public struct RoleConfig: Sendable, Equatable {
    public enum Mode: String, Sendable, Hashable {
        case http
        case tcp
    }

    /// `on-failover`: what happens to sessions on a server that lost the role by failure.
    public enum OnFailover: String, Sendable, Hashable {
        case close
        case keep
    }

    public var name: String
    /// `listen` lines, at least one.
    public var listeners: [ListenerConfig]
    /// `mode`, default http.
    public var mode: Mode
    /// `failback`, default off: the role stays where it is when a higher server returns.
    public var failback: Bool
    /// `on-failover`, default close.
    public var onFailover: OnFailover
    /// `hold`, default 5s: how long new clients wait while no server is live.
    public var hold: Duration
    /// `drain-timeout`, default 30s: how long sessions may finish after a planned move.
    public var drainTimeout: Duration
    /// `connect-timeout`, default 2s.
    public var connectTimeout: Duration
    /// `idle-timeout`, default 60s.
    public var idleTimeout: Duration
    /// `head-timeout`, default 10s: an HTTP request head must arrive within this (408).
    public var headTimeout: Duration
    /// `events URL [URL…]`: an authoritative failover event feed (SSE), its URLs in the
    /// order they are tried; empty: none.
    public var eventFeeds: [HTTPURL]
    /// The first feed URL; nil: none.
    public var events: HTTPURL? { eventFeeds.first }
    /// `database`: the role's database, used only by the preflight of `check`.
    public var database: String?
    /// The `health` block, defaults when absent.
    public var health: HealthConfig
    /// `server` lines in priority order, at least one.
    public var servers: [ServerConfig]
    /// `tls-certificate` / `tls-key`: PEM files for listeners marked `tls`.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// `tls-ca`: CA file to verify servers marked `tls`; nil: the system's.
    public var tlsCA: String?
    /// `tls-verify`, default on.
    public var tlsVerify: Bool
    /// `compress`, default off (http only).
    public var compress: Bool
    /// `compress-min-size`, default 1k.
    public var compressMinSize: Int
    /// `max-head-size`, default 16k: a larger request head gets 431.
    public var maxHeadSize: Int
    /// `max-headers`, default 100.
    public var maxHeaders: Int
    /// `splice`, default on: zero-copy forwarding between plain sockets; off: always copy.
    public var splice: Bool
    /// `max-connections N`: open client connections of this role; nil (default): only the global cap.
    public var maxConnections: Int?
    /// `hold-queue N`, default 1000: clients held at once while no server is live; more get 503 (http) or a close (tcp).
    public var holdQueue: Int
    /// Where the `role` block starts.
    public var location: SourceLocation
    /// Where the `database` directive is, when there is one.
    public var databaseLocation: SourceLocation?
    /// Where `max-connections` is, when written (for `check`'s warning).
    public var maxConnectionsLocation: SourceLocation?

    public static let defaultHoldQueue = 1000

    public init(
        name: String,
        listeners: [ListenerConfig] = [],
        mode: Mode = .http,
        failback: Bool = false,
        onFailover: OnFailover = .close,
        hold: Duration = .seconds(5),
        drainTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(2),
        idleTimeout: Duration = .seconds(60),
        headTimeout: Duration = .seconds(10),
        events: HTTPURL? = nil,
        database: String? = nil,
        health: HealthConfig = HealthConfig(),
        servers: [ServerConfig] = [],
        tlsCertificate: String? = nil,
        tlsKey: String? = nil,
        tlsCA: String? = nil,
        tlsVerify: Bool = true,
        compress: Bool = false,
        compressMinSize: Int = 1024,
        maxHeadSize: Int = 16 * 1024,
        maxHeaders: Int = 100,
        splice: Bool = true,
        maxConnections: Int? = nil,
        holdQueue: Int = RoleConfig.defaultHoldQueue,
        location: SourceLocation = SourceLocation(line: 0, column: 0),
        databaseLocation: SourceLocation? = nil,
        maxConnectionsLocation: SourceLocation? = nil
    ) {
        self.maxConnections = maxConnections
        self.holdQueue = holdQueue
        self.maxConnectionsLocation = maxConnectionsLocation
        self.name = name
        self.listeners = listeners
        self.mode = mode
        self.failback = failback
        self.onFailover = onFailover
        self.hold = hold
        self.drainTimeout = drainTimeout
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.eventFeeds = events.map { [$0] } ?? []
        self.database = database
        self.health = health
        self.servers = servers
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.tlsCA = tlsCA
        self.tlsVerify = tlsVerify
        self.compress = compress
        self.compressMinSize = compressMinSize
        self.maxHeadSize = maxHeadSize
        self.maxHeaders = maxHeaders
        self.splice = splice
        self.location = location
        self.databaseLocation = databaseLocation
    }

    public func server(named name: String) -> ServerConfig? { servers.first { $0.name == name } }
}
