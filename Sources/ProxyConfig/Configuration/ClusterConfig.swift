/// The `cluster` block: several proxies agree through etcd on where each role runs.
/// Absent (nil in `ProxyConfiguration.cluster`): a single instance decides alone.
public struct ClusterConfig: Sendable, Equatable {
    /// `name`: the key prefix `/failover-proxy/NAME/` shared by the members of one site.
    public var name: String
    /// `node`, default the host name: this member's name, unique in the cluster.
    public var node: String
    /// `advertise host:port`: how other members reach this one's admin API (shown only).
    public var advertise: Endpoint?
    /// `etcd URL…`: the etcd members' client URLs, tried in turn.
    public var etcd: [HTTPURL]
    /// `lease-ttl`, default 10s: the leadership (and membership) lease.
    public var leaseTTL: Duration
    /// `stale-after`, default 5s: no successful round trip to etcd for this long makes the member stale.
    public var staleAfter: Duration
    /// `on-store-loss stop|hold`, default stop.
    public var onStoreLoss: StoreLossPolicy
    /// `etcd-ca FILE`: CA bundle for https etcd URLs (default: the system store).
    public var etcdCA: String?
    /// `etcd-certificate FILE` and `etcd-key FILE`: client certificate for etcd's TLS.
    public var etcdCertificate: String?
    public var etcdKey: String?
    /// `etcd-user NAME` and `etcd-password-file FILE`: etcd authentication.
    public var etcdUser: String?
    public var etcdPasswordFile: String?

    public static let defaultLeaseTTL: Duration = .seconds(10)
    public static let defaultStaleAfter: Duration = .seconds(5)

    public init(name: String, node: String, advertise: Endpoint? = nil, etcd: [HTTPURL],
                leaseTTL: Duration = ClusterConfig.defaultLeaseTTL,
                staleAfter: Duration = ClusterConfig.defaultStaleAfter,
                onStoreLoss: StoreLossPolicy = .stop,
                etcdCA: String? = nil, etcdCertificate: String? = nil, etcdKey: String? = nil,
                etcdUser: String? = nil, etcdPasswordFile: String? = nil) {
        self.name = name
        self.node = node
        self.advertise = advertise
        self.etcd = etcd
        self.leaseTTL = leaseTTL
        self.staleAfter = staleAfter
        self.onStoreLoss = onStoreLoss
        self.etcdCA = etcdCA
        self.etcdCertificate = etcdCertificate
        self.etcdKey = etcdKey
        self.etcdUser = etcdUser
        self.etcdPasswordFile = etcdPasswordFile
    }

    /// Every key of this cluster starts with this.
    public var keyPrefix: String { "/failover-proxy/\(name)/" }
}

/// `on-store-loss`: what a member does while it cannot reach etcd.
public enum StoreLossPolicy: String, Sendable, Hashable {
    /// Close role sessions and listeners, answer `/readyz` 503.
    case stop
    /// Keep forwarding to the last known server; make no decision.
    case hold
}
