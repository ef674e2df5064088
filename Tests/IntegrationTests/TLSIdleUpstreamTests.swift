import struct TestSupport.CertificateFixtures
import Foundation
import Testing

/// An idle pooled connection to a `tls` server that receives a TLS record with no
/// application data (here a TLS 1.3 KeyUpdate) stays in the pool: the next request reuses
/// it instead of opening a new connection with a new handshake.
@Suite(.serialized) struct TLSIdleUpstreamTests {
    let pki = CertificateFixtures.shared

    @Test func aKeyUpdateOnAnIdlePooledConnectionKeepsItInThePool() throws {
        let server = try KeyUpdatingTLSServer(pair: pki.server)
        defer { server.stop() }
        // One health check at the start, then none while the test runs; its connection is
        // not counted by the server anyway. One loop: one pool.
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode http;
                tls-ca "\(pki.caCertificate)";
                connect-timeout 1s;
                health { path /health; interval 60s; timeout 1s; rise 1; fall 1; }
                server primary 127.0.0.1:\(server.port) tls tls-name localhost;
            }

            """, loops: 1)
        defer { front.stop() }
        #expect(front.waitForActive("front", "primary"))

        let client = try HTTPTestClient(port: front.port("front"))
        #expect(client.send("GET /one HTTP/1.1\r\nHost: test\r\n\r\n"))
        #expect(client.readResponse()?.status == 200)
        // The response is with the client, so the upstream connection is idle in the pool.
        server.sendKeyUpdate()
        #expect(eventually { server.counts.keyUpdatesSent == 1 })
        // The proxy read the KeyUpdate (its read sent the reply), or it closed the connection.
        #expect(eventually { server.counts.keyUpdatesReceived >= 1 || server.counts.dataConnectionsClosedByPeer >= 1 })

        #expect(client.send("GET /two HTTP/1.1\r\nHost: test\r\n\r\n"))
        #expect(client.readResponse()?.status == 200)
        let counts = server.counts
        #expect(counts.protocolVersions.allSatisfy { $0 == "TLSv1.3" })
        #expect(counts.dataConnections == 1, "the second request reused the pooled connection")
        #expect(counts.dataConnectionsClosedByPeer == 0)
        #expect(counts.keyUpdatesReceived == 1)
    }
}
