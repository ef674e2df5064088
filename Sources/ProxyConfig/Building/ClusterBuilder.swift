/// Builds the `cluster` block: which etcd holds the shared state, and how this member
/// takes part. Rules between directives are checked once the whole block is read.
struct ClusterBuilder {
    var checks: StatementChecks
    /// The default `node`; nil when the caller does not know the host name.
    var hostName: String?

    /// Where each directive was first written, for the rules between directives.
    private var written: [String: SourceLocation] = [:]
    /// Directives written with a value that was rejected (already reported).
    private var rejected: Set<String> = []

    init(checks: StatementChecks, hostName: String?) {
        self.checks = checks
        self.hostName = hostName
    }

    mutating func build(at location: SourceLocation, _ body: [Statement]) -> ClusterConfig {
        var cluster = ClusterConfig(name: "", node: hostName ?? "", etcd: [])
        var seen = SeenDirectives()
        for s in body {
            if written[s.text] == nil { written[s.text] = s.location }
            if s.text == "etcd" {
                if let urls = etcd(s, seen: &seen) { cluster.etcd = urls } else { rejected.insert(s.text) }
            } else {
                setting(s, of: &cluster, seen: &seen)
            }
        }
        checkRequired(cluster, at: location)
        checkTimes(cluster)
        checkPairs(cluster)
        checkTLSFilesAreUsed(cluster)
        return cluster
    }

    private mutating func setting(_ s: Statement, of cluster: inout ClusterConfig, seen: inout SeenDirectives) {
        func set<T>(_ field: WritableKeyPath<ClusterConfig, T>, _ parse: (String) throws(ValueError) -> T) {
            if let value = checks.single(s, seen: &seen, parse) { cluster[keyPath: field] = value } else { rejected.insert(s.text) }
        }
        func setOptional<T>(_ field: WritableKeyPath<ClusterConfig, T?>, _ parse: (String) throws(ValueError) -> T) {
            if let value = checks.single(s, seen: &seen, parse) { cluster[keyPath: field] = value } else { rejected.insert(s.text) }
        }
        switch s.text {
        case "name": set(\.name, ValueParsers.keySegment)
        case "node": set(\.node, ValueParsers.keySegment)
        case "advertise": setOptional(\.advertise, ValueParsers.address)
        case "lease-ttl": set(\.leaseTTL, ValueParsers.leaseTTL)
        case "stale-after": set(\.staleAfter, ValueParsers.staleAfter)
        case "on-store-loss":
            set(\.onStoreLoss) { text throws(ValueError) in try ValueParsers.keyword(text, ["stop": .stop, "hold": .hold]) }
        case "etcd-ca": setOptional(\.etcdCA, ValueParsers.path)
        case "etcd-certificate": setOptional(\.etcdCertificate, ValueParsers.path)
        case "etcd-key": setOptional(\.etcdKey, ValueParsers.path)
        case "etcd-user": setOptional(\.etcdUser, ValueParsers.userName)
        case "etcd-password-file": setOptional(\.etcdPasswordFile, ValueParsers.path)
        default: checks.sink.error(BlockKind.cluster.unknownDirectiveMessage(s.text), at: s.location)
        }
    }

    /// `etcd URL…;`: every URL is checked; a URL listed twice is only a warning.
    private mutating func etcd(_ s: Statement, seen: inout SeenDirectives) -> [HTTPURL]? {
        guard seen.isFirst(s, sink: &checks.sink),
              let arguments = checks.arguments(s, 1...Int.max, usage: "one or more etcd client URLs")
        else { return nil }
        var urls: [HTTPURL] = []
        var valid = true
        for argument in arguments {
            guard let url = checks.value(argument, for: "etcd", ValueParsers.etcdURL) else {
                valid = false
                continue
            }
            if let earlier = urls.first(where: { Preflight.sameAddress($0.address, url.address) }) {
                let same = earlier.text == url.text ? "" : ": same member as '\(earlier.text)'"
                checks.sink.warning("duplicate etcd URL '\(url.text)'\(same)", at: argument.location)
            } else {
                urls.append(url)
            }
        }
        return valid ? urls : nil
    }

    /// A block whose `name` or `etcd` was rejected already has its error.
    private mutating func checkRequired(_ cluster: ClusterConfig, at location: SourceLocation) {
        for directive in ["name", "etcd"] where written[directive] == nil {
            checks.sink.error("'cluster' block has no '\(directive)' directive", at: location)
        }
        guard written["node"] == nil else { return }
        guard let hostName, !hostName.isEmpty else {
            checks.sink.error("'cluster' block has no 'node' directive and the host name is not known", at: location)
            return
        }
        if (try? ValueParsers.keySegment(hostName)) == nil {
            checks.sink.error(
                "the host name '\(hostName)' cannot be the node name (letters, digits, '-', '_' or '.'); set 'node'",
                at: location)
        }
    }

    /// A leader must notice it is stale (and stop acting) before its lease lets another
    /// member take over.
    private mutating func checkTimes(_ cluster: ClusterConfig) {
        guard !rejected.contains("lease-ttl"), !rejected.contains("stale-after"),
              cluster.staleAfter >= cluster.leaseTTL,
              let location = written["stale-after"] ?? written["lease-ttl"]
        else { return }
        let lease = ValueParsers.durationText(cluster.leaseTTL) + (written["lease-ttl"] == nil ? " (default)" : "")
        let stale = ValueParsers.durationText(cluster.staleAfter) + (written["stale-after"] == nil ? " (default)" : "")
        checks.sink.error(
            "'stale-after' \(stale) must be shorter than 'lease-ttl' \(lease): a member would lose leadership before noticing it is stale",
            at: location)
    }

    private mutating func checkPairs(_ cluster: ClusterConfig) {
        requirePair("etcd-certificate", cluster.etcdCertificate, "etcd-key")
        requirePair("etcd-key", cluster.etcdKey, "etcd-certificate")
        requirePair("etcd-user", cluster.etcdUser, "etcd-password-file")
        requirePair("etcd-password-file", cluster.etcdPasswordFile, "etcd-user")
    }

    /// `directive` (when its value was valid) needs `partner` written too.
    private mutating func requirePair(_ directive: String, _ value: String?, _ partner: String) {
        guard value != nil, written[partner] == nil, let location = written[directive] else { return }
        checks.sink.error("'\(directive)' needs '\(partner)' in the 'cluster' block", at: location)
    }

    /// TLS files only matter for https URLs: with http only they are silently unused.
    private mutating func checkTLSFilesAreUsed(_ cluster: ClusterConfig) {
        guard !cluster.etcd.isEmpty, !rejected.contains("etcd"), !cluster.etcd.contains(where: \.isTLS) else { return }
        let files = [("etcd-ca", cluster.etcdCA), ("etcd-certificate", cluster.etcdCertificate)]
        for (directive, value) in files where value != nil {
            if let location = written[directive] {
                checks.sink.warning("'\(directive)' is not used: every etcd URL is http", at: location)
            }
        }
    }
}
