import Cluster
import Testing
import TestSupport
@testable import Proxy

@Suite(.serialized) struct EtcdLeaseTests {
    @Test func grantKeepAliveRevoke() throws {
        try withEtcd { cluster, client in
            let lease = try #require(completion { client.grantLease(ttl: .seconds(10), $0) }?.value)
            #expect(lease != 0)
            #expect(client.put("/fp/member/n1", "here", lease: lease)?.value?.succeeded == true)
            #expect(client.readAll("/fp/member/")?.value?.values.first?.lease == lease)

            let left = try #require(completion { client.keepAlive(lease: lease, $0) }?.value)
            #expect(left > .zero && left <= .seconds(10))
            // Twice on the same kept-alive connection.
            #expect(completion { client.keepAlive(lease: lease, $0) }?.value != nil)

            #expect(completion { client.revokeLease(lease, $0) }.map { (try? $0.get()) != nil } == true)
            #expect(completion { client.keepAlive(lease: lease, $0) }?.error?.kind == .leaseNotFound)
            #expect(client.readAll("/fp/member/")?.value?.values.isEmpty == true)
            #expect(completion { client.revokeLease(lease, $0) }?.error?.kind == .leaseNotFound)
        }
    }

    /// Calls reuse one kept-alive connection (counted at a relay in front of the member).
    @Test func callsReuseOneConnection() throws {
        let cluster = try EtcdCluster()
        defer { cluster.stop() }
        let relay = try #require(TCPRelay(to: cluster.clientPorts[0]))
        defer { relay.stop() }
        let client = try makeClient(ports: [relay.port])
        let lease = try #require(completion { client.grantLease(ttl: .seconds(10), $0) }?.value)
        for _ in 0..<5 { #expect(completion { client.keepAlive(lease: lease, $0) }?.value != nil) }
        #expect(client.put("/fp/k", "v")?.value?.succeeded == true)
        #expect(relay.acceptedCount == 1)
    }
}
