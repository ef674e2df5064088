import Testing
import ProxyConfig

/// Each diagnostic of the `cluster` block, at its exact line and column.
struct ClusterDiagnosticTests {
    static let urlExpected = "expected an http:// or https:// URL with a host (e.g. http://10.0.0.21:2379)"
    static let keyExpected = "expected a name usable in an etcd key: letters, digits, '-', '_' or '.'"
    static let staleMessage = "a member would lose leadership before noticing it is stale"

    static func parse(_ text: String, hostName: String? = "h") -> [String] {
        ConfigParser.parse(text, file: "c.conf", hostName: hostName).diagnostics.map(\.description)
    }

    @Test func badValues() throws {
        let result = try Fixture.parse("cluster-bad-values.conf", hostName: "h")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-bad-values.conf:2:10: error: invalid value 'site/a' for 'name': \(Self.keyExpected)",
            "cluster-bad-values.conf:3:10: error: invalid value 'proxy 1' for 'node': \(Self.keyExpected)",
            "cluster-bad-values.conf:4:15: error: invalid value '10.0.0.5' for 'advertise': expected an address HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, localhost:80)",
            "cluster-bad-values.conf:5:10: error: invalid value 'ftp://10.0.0.21:2379' for 'etcd': \(Self.urlExpected)",
            "cluster-bad-values.conf:5:31: error: invalid value 'http://:2379' for 'etcd': \(Self.urlExpected)",
            "cluster-bad-values.conf:5:44: error: invalid value 'http://10.0.0.22:99999' for 'etcd': \(Self.urlExpected)",
            "cluster-bad-values.conf:5:67: error: invalid value 'http://10.0.0.23:2379/v3' for 'etcd': expected an etcd client URL without a path (e.g. http://10.0.0.21:2379)",
            "cluster-bad-values.conf:6:15: error: invalid value '1s' for 'lease-ttl': expected at least 2s: a shorter lease does not survive etcd's own leader elections",
            "cluster-bad-values.conf:7:17: error: invalid value '100ms' for 'stale-after': expected at least 300ms: a shorter limit does not survive etcd's own leader elections",
            "cluster-bad-values.conf:8:19: error: invalid value 'pause' for 'on-store-loss': expected 'stop' or 'hold'",
            "cluster-bad-values.conf:9:15: error: invalid value '' for 'etcd-user': expected a user name",
        ])
        #expect(result.configuration == nil)
    }

    @Test func nameAndEtcdAreRequired() throws {
        let result = try Fixture.parse("cluster-missing.conf")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-missing.conf:1:1: error: 'cluster' block has no 'name' directive",
            "cluster-missing.conf:1:1: error: 'cluster' block has no 'etcd' directive",
        ])
    }

    @Test func nodeIsRequiredWithoutAHostName() {
        #expect(Self.parse("cluster { name a; etcd http://e:2379; }", hostName: nil) == [
            "c.conf:1:1: error: 'cluster' block has no 'node' directive and the host name is not known",
        ])
        #expect(Self.parse("cluster { name a; etcd http://e:2379; }", hostName: "") == [
            "c.conf:1:1: error: 'cluster' block has no 'node' directive and the host name is not known",
        ])
        #expect(Self.parse("cluster { name a; node n; etcd http://e:2379; }", hostName: nil) == [])
    }

    @Test func aHostNameThatCannotBeAKeyNeedsNode() {
        #expect(Self.parse("\n  cluster { name a; etcd http://e:2379; }", hostName: "my host") == [
            "c.conf:2:3: error: the host name 'my host' cannot be the node name (letters, digits, '-', '_' or '.'); set 'node'",
        ])
    }

    @Test func blockShapeDuplicatesAndUnknownDirectives() throws {
        let result = try Fixture.parse("cluster-shape.conf", hostName: "h")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-shape.conf:1:1: error: 'etcd' is not allowed at the top level; it belongs in a 'cluster' block",
            "cluster-shape.conf:3:12: error: 'name' takes 1 argument, got 2 arguments",
            "cluster-shape.conf:4:5: error: 'etcd' takes one or more etcd client URLs, got 0 arguments",
            "cluster-shape.conf:5:5: error: unknown directive 'lease-tll'; did you mean 'lease-ttl'?",
            "cluster-shape.conf:6:5: error: 'interval' is not allowed in a 'cluster' block; it belongs in a 'health' block",
            "cluster-shape.conf:7:5: error: duplicate 'name' directive; first set at line 3",
            "cluster-shape.conf:9:1: error: duplicate 'cluster' directive; first set at line 2",
        ])
    }

    @Test func clusterNeedsABlockWithoutArguments() {
        #expect(Self.parse("cluster;") == ["c.conf:1:1: error: 'cluster' needs a '{ … }' block"])
        #expect(Self.parse("cluster a { name a; etcd http://e:2379; }") == [
            "c.conf:1:9: error: 'cluster' takes no arguments, got 1 argument",
        ])
    }

    @Test func staleAfterMustBeShorterThanLeaseTTL() throws {
        let result = try Fixture.parse("cluster-times.conf", hostName: "h")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-times.conf:5:5: error: 'stale-after' 4s must be shorter than 'lease-ttl' 4s: \(Self.staleMessage)",
        ])
    }

    @Test func staleAfterAgainstADefault() {
        #expect(Self.parse("cluster { name a; etcd http://e:2379; stale-after 15s; }") == [
            "c.conf:1:39: error: 'stale-after' 15s must be shorter than 'lease-ttl' 10s (default): \(Self.staleMessage)",
        ])
        #expect(Self.parse("cluster { name a; etcd http://e:2379; lease-ttl 3s; }") == [
            "c.conf:1:39: error: 'stale-after' 5s (default) must be shorter than 'lease-ttl' 3s: \(Self.staleMessage)",
        ])
        #expect(Self.parse("cluster { name a; etcd http://e:2379; lease-ttl 3s; stale-after 2999ms; }") == [])
    }

    @Test func leaseTTLIsWholeSeconds() {
        #expect(Self.parse("cluster { name a; etcd http://e:2379; lease-ttl 2500ms; }") == [
            "c.conf:1:49: error: invalid value '2500ms' for 'lease-ttl': expected whole seconds: etcd grants leases in seconds",
        ])
        #expect(Self.parse("cluster { name a; etcd http://e:2379; lease-ttl 1m; }") == [])
    }

    /// A rejected time is not compared with the other: its error is enough.
    @Test func anInvalidTimeIsNotComparedAgain() {
        #expect(Self.parse("cluster { name a; etcd http://e:2379; lease-ttl 1x; stale-after 15s; }") == [
            "c.conf:1:49: error: invalid value '1x' for 'lease-ttl': expected a duration with a unit: ms, s, m or h (e.g. 250ms, 2s)",
        ])
    }

    @Test func certificateAndPasswordFileNeedTheirPartners() throws {
        let result = try Fixture.parse("cluster-pairs.conf", hostName: "h")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-pairs.conf:4:5: error: 'etcd-certificate' needs 'etcd-key' in the 'cluster' block",
            "cluster-pairs.conf:5:5: error: 'etcd-password-file' needs 'etcd-user' in the 'cluster' block",
        ])
    }

    @Test func keyAndUserNeedTheirPartners() {
        #expect(Self.parse("cluster {\n name a;\n etcd https://e:2379;\n etcd-key k.pem;\n etcd-user u;\n}") == [
            "c.conf:4:2: error: 'etcd-key' needs 'etcd-certificate' in the 'cluster' block",
            "c.conf:5:2: error: 'etcd-user' needs 'etcd-password-file' in the 'cluster' block",
        ])
    }

    @Test func warningsKeepTheConfiguration() throws {
        let result = try Fixture.parse("cluster-warnings.conf", hostName: "h")
        #expect(result.diagnostics.map(\.description) == [
            "cluster-warnings.conf:1:1: warning: 'state-file' is not used in cluster mode: the state lives in etcd",
            "cluster-warnings.conf:4:54: warning: duplicate etcd URL 'http://10.0.0.21:2379'",
            "cluster-warnings.conf:4:97: warning: duplicate etcd URL 'http://10.0.0.22': same member as 'http://10.0.0.22:80/'",
            "cluster-warnings.conf:5:5: warning: 'etcd-ca' is not used: every etcd URL is http",
            "cluster-warnings.conf:6:5: warning: 'etcd-certificate' is not used: every etcd URL is http",
        ])
        let cluster = try #require(result.configuration?.cluster)
        #expect(cluster.etcd.map(\.text) == ["http://10.0.0.21:2379", "http://10.0.0.22:2379", "http://10.0.0.22:80/"])
    }

    @Test func tlsFilesAreUsedWhenOneURLIsHTTPS() {
        #expect(Self.parse("cluster { name a; etcd http://e:2379 https://f:2379; etcd-ca ca.pem; }") == [])
    }

    @Test func stateFileWithoutClusterIsFine() {
        #expect(Self.parse("state-file s.json;") == [])
    }
}
