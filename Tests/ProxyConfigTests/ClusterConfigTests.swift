import Testing
import ProxyConfig

/// The parsed values of the `cluster` block: every field, and the defaults.
struct ClusterConfigTests {
    @Test func everyFieldParsesFromAFile() throws {
        let result = try Fixture.parse("cluster-full.conf", hostName: "ignored-host")
        #expect(result.diagnostics == [])
        let cluster = try #require(result.configuration?.cluster)
        #expect(cluster.name == "site-a")
        #expect(cluster.keyPrefix == "/failover-proxy/site-a/")
        #expect(cluster.node == "proxy-1")
        #expect(cluster.advertise == Endpoint(host: "10.0.0.5", port: 9901))
        #expect(cluster.etcd.map(\.text) == ["https://10.0.0.21:2379", "https://10.0.0.22:2379/", "https://etcd-3.example"])
        #expect(cluster.etcd.map(\.address.description) == ["10.0.0.21:2379", "10.0.0.22:2379", "etcd-3.example:443"])
        #expect(cluster.etcd.map(\.isTLS) == [true, true, true])
        #expect(cluster.leaseTTL == .seconds(15))
        #expect(cluster.staleAfter == .milliseconds(2500))
        #expect(cluster.onStoreLoss == .hold)
        #expect(cluster.etcdCA == "etcd-ca.pem")
        #expect(cluster.etcdCertificate == "etcd-client.pem")
        #expect(cluster.etcdKey == "etcd-client.key")
        #expect(cluster.etcdUser == "proxy")
        #expect(cluster.etcdPasswordFile == "/etc/failover-proxy/etcd.password")
    }

    @Test func defaultsAreApplied() throws {
        let result = try Fixture.parse("cluster-defaults.conf", hostName: "host-7.example")
        #expect(result.diagnostics == [])
        let cluster = try #require(result.configuration?.cluster)
        #expect(cluster == ClusterConfig(
            name: "site-a", node: "host-7.example",
            etcd: [HTTPURL(scheme: "http", host: "10.0.0.21", port: 2379, path: "/", text: "http://10.0.0.21:2379")]))
        #expect(cluster.advertise == nil)
        #expect(cluster.leaseTTL == .seconds(10))
        #expect(cluster.staleAfter == .seconds(5))
        #expect(cluster.onStoreLoss == .stop)
        #expect(cluster.etcdCA == nil && cluster.etcdCertificate == nil && cluster.etcdKey == nil)
        #expect(cluster.etcdUser == nil && cluster.etcdPasswordFile == nil)
    }

    @Test func noClusterBlockIsASingleInstance() throws {
        let config = try #require(try Fixture.parse("defaults.conf", hostName: "h").configuration)
        #expect(config.cluster == nil)
    }

    @Test func onStoreLossStop() throws {
        let text = "cluster { name a; node n; etcd http://e:2379; on-store-loss stop; }"
        #expect(ConfigParser.parse(text, file: "c.conf").configuration?.cluster?.onStoreLoss == .stop)
    }

    @Test func shortestAllowedTimes() throws {
        let text = "cluster { name a; node n; etcd http://e:2379; lease-ttl 2s; stale-after 300ms; }"
        let cluster = try #require(ConfigParser.parse(text, file: "c.conf").configuration?.cluster)
        #expect(cluster.leaseTTL == .seconds(2))
        #expect(cluster.staleAfter == .milliseconds(300))
    }
}
