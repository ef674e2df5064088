import Cluster
import Dispatch
import EventLoop
import Glibc
import ProxyConfig
import TLS
import Testing
import TestSupport
@testable import Proxy

/// Authentication (token login, a new login when the token expires) and https with etcd-ca.
@Suite(.serialized) struct EtcdSecurityTests {
    private func client(_ cluster: EtcdCluster, user: String?, password: String?) throws -> EtcdClient {
        try EtcdClient(urls: cluster.clientPorts.map(loopbackURL), user: user, password: password,
                       loop: EventLoop(label: "etcd-test"), callbackQueue: DispatchQueue(label: "etcd-test.callbacks"))
    }

    @Test func logsInAndLogsInAgainWhenTheTokenExpired() throws {
        // Tokens unused for 1 s expire.
        let cluster = try EtcdCluster(extraArguments: ["--auth-token-ttl", "1"])
        defer { cluster.stop() }
        try cluster.enableAuth(rootPassword: "s3cret")

        let anonymous = try client(cluster, user: nil, password: nil)
        #expect(anonymous.put("/fp/k", "v")?.error?.kind == .unauthorized)
        let wrong = try client(cluster, user: "root", password: "nope")
        #expect(wrong.put("/fp/k", "v")?.error?.kind == .unauthorized)

        let root = try client(cluster, user: "root", password: "s3cret")
        #expect(root.put("/fp/k", "v")?.value?.succeeded == true)
        let before = root.readAll("/fp/")?.value
        #expect(before?.values.count == 1)
        usleep(2_500_000)  // past the token's TTL: the next call is refused once, then logs in again
        #expect(root.readAll("/fp/")?.value?.values.count == 1)
        // A watch logs in too.
        let updates = Collected<WatchUpdate>()
        let watch = root.watch(prefix: "/fp/", after: before?.revision ?? 0) { updates.append($0) }
        defer { watch.cancel() }
        #expect(eventually(seconds: 10) { updates.count >= 1 })
        if case .started? = updates.all.first {} else { Issue.record("watch did not start: \(updates.all)") }
    }

    @Test func httpsWithTheEtcdCA() throws {
        let pki = CertificateFixtures.shared
        let cluster = try EtcdCluster(clientTLS: (pki.server.certificate, pki.server.key))
        defer { cluster.stop() }
        let urls = cluster.clientPorts.map {
            HTTPURL(scheme: "https", host: "127.0.0.1", port: $0, path: "/", text: "https://127.0.0.1:\($0)")
        }
        let config = ClusterConfig(name: "t", node: "n1", etcd: urls, etcdCA: pki.caCertificate)
        let trusted = try EtcdClient(config: config, loop: EventLoop(label: "etcd-test"), callbackQueue: DispatchQueue(label: "cb"))
        #expect(trusted.put("/fp/k", "v")?.value?.succeeded == true)
        #expect(trusted.status.connected == urls[0].text)

        var untrustedConfig = config
        untrustedConfig.etcdCA = pki.otherCACertificate
        let untrusted = try EtcdClient(config: untrustedConfig, loop: EventLoop(label: "etcd-test"), callbackQueue: DispatchQueue(label: "cb"))
        #expect(untrusted.readAll("/fp/")?.error?.kind == .unavailable)
    }

    @Test func clientCertificateWhenEtcdAsksForOne() throws {
        let pki = CertificateFixtures.shared
        let cluster = try EtcdCluster(clientTLS: (pki.dualUse.certificate, pki.dualUse.key),
                                      extraArguments: ["--client-cert-auth", "--trusted-ca-file", pki.caCertificate])
        defer { cluster.stop() }
        let urls = cluster.clientPorts.map {
            HTTPURL(scheme: "https", host: "127.0.0.1", port: $0, path: "/", text: "https://127.0.0.1:\($0)")
        }
        let anonymous = ClusterConfig(name: "t", node: "n1", etcd: urls, etcdCA: pki.caCertificate)
        var withCertificate = anonymous
        withCertificate.etcdCertificate = pki.client.certificate
        withCertificate.etcdKey = pki.client.key
        let client = try EtcdClient(config: withCertificate, loop: EventLoop(label: "etcd-test"), callbackQueue: DispatchQueue(label: "cb"))
        let put = client.put("/fp/k", "v")
        #expect(put?.value?.succeeded == true, "\(String(describing: put)); see \(cluster.logPath(0))")
        let refused = try EtcdClient(config: anonymous, loop: EventLoop(label: "etcd-test"), callbackQueue: DispatchQueue(label: "cb"))
        #expect(refused.readAll("/fp/")?.error?.kind == .unavailable)
    }
}
