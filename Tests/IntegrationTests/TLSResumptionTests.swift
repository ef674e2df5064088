import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
@testable import Proxy
import Testing

/// Connections to a `tls` server resume the session of an earlier one: counted on the
/// server's side (the TLS server is failover-proxy itself, a second in-process proxy with a
/// `tls` listener), one full handshake, then abbreviated ones.
@Suite(.serialized) struct TLSResumptionTests {
    let pki = CertificateFixtures.shared

    @Test func reconnectsToATLSServerAreResumed() throws {
        let echo = DemoServer(name: "primary", kind: .tcp)
        try echo.start()
        defer { echo.stop() }
        let tlsServer = try ConfiguredProxy("""
            role tlsecho {
                listen 127.0.0.1:0 tls;
                mode tcp;
                tls-certificate "\(pki.server.certificate)";
                tls-key "\(pki.server.key)";
                health { interval 200ms; timeout 500ms; rise 1; fall 1; }
                server s 127.0.0.1:\(echo.port);
            }

            """)
        defer { tlsServer.stop() }
        #expect(tlsServer.waitForActive("tlsecho", "s"))
        let context = try #require(tlsServer.proxy.controllers.first?.tls.server)
        // One health check at the start (a TLS handshake too), then none while the test runs.
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode tcp;
                tls-ca "\(pki.caCertificate)";
                connect-timeout 1s;
                health { interval 60s; timeout 1s; rise 1; fall 1; }
                server primary localhost:\(tlsServer.port("tlsecho")) tls;
            }

            """)
        defer { front.stop() }
        #expect(front.waitForActive("front", "primary"))
        #expect(eventually { context.handshakesCompleted >= 1 })  // the health check's
        let handshakes = context.handshakesCompleted
        let resumed = context.sessionCacheHits

        for i in 0..<4 {
            let client = try TestClient(port: front.port("front"))
            #expect(client.readLine() == "primary")
            try client.send("ping \(i)\n")
            #expect(client.readLine() == "ping \(i)")
        }
        let newHandshakes = context.handshakesCompleted - handshakes
        let newResumed = context.sessionCacheHits - resumed
        #expect(newHandshakes == 4)
        #expect(newHandshakes - newResumed == 1, "full handshakes")
        #expect(newResumed == 3, "resumed handshakes")
    }
}
