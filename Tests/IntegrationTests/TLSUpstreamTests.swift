import struct TestSupport.CertificateFixtures
import DemoBackends
import Foundation
import Testing

/// `server … tls`: connections and health checks to servers over TLS, verified against
/// `tls-ca`. The TLS servers are failover-proxy itself: a second in-process proxy with a
/// `tls` listener in front of a plain demo server.
@Suite(.serialized) struct TLSUpstreamTests {
    let pki = CertificateFixtures.shared
    let health = "health { interval 200ms; timeout 500ms; rise 1; fall 1; }"
    let httpHealth = "health { path /health; interval 200ms; timeout 500ms; rise 1; fall 1; }"

    /// A role that terminates TLS with `pair` in front of `port`.
    func tlsServerRole(_ name: String, mode: String = "tcp", pair: CertificateFixtures.Pair, port: UInt16,
                       checks: String? = nil) -> String {
        """
        role \(name) {
            listen 127.0.0.1:0 tls;
            mode \(mode);
            tls-certificate "\(pair.certificate)";
            tls-key "\(pair.key)";
            connect-timeout 1s;
            \(checks ?? (mode == "http" ? httpHealth : health))
            server s 127.0.0.1:\(port);
        }

        """
    }

    @Test func sixtyFourMiBBothWaysThroughTLSWithMatchingChecksums() throws {
        let echo = DemoServer(name: "primary", kind: .tcp)
        try echo.start()
        defer { echo.stop() }
        let tlsServer = try ConfiguredProxy(tlsServerRole("tlsecho", pair: pki.server, port: echo.port))
        defer { tlsServer.stop() }
        #expect(tlsServer.waitForActive("tlsecho", "s"))
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode tcp;
                tls-ca "\(pki.caCertificate)";
                hold 2s;
                connect-timeout 1s;
                \(health)
                server primary localhost:\(tlsServer.port("tlsecho")) tls;
            }

            """)
        defer { front.stop() }
        #expect(front.waitForActive("front", "primary"))
        let client = try TestClient(port: front.port("front"), timeoutSeconds: 60)
        #expect(client.readLine() == "primary")
        let result = BulkEcho.run(client, bytes: 64 << 20)
        #expect(result.sent == 64 << 20)
        #expect(result.received == 64 << 20)
        #expect(result.sentChecksum == result.receivedChecksum)
    }

    /// The data port presents `pair`, which fails verification; the health port (another TLS
    /// listener, with a good certificate) keeps the server up, so clients are routed to it.
    @Test(arguments: ["wrong-name", "unknown-ca"]) func verificationFailureIsAConnectFailure(_ kind: String) throws {
        let pair = kind == "wrong-name" ? pki.wrongName : pki.untrusted
        let data = DemoServer(name: "primary", kind: .tcp)
        let healthTarget = DemoServer(name: "health", kind: .tcp)
        try data.start()
        try healthTarget.start()
        defer { data.stop(); healthTarget.stop() }
        // One check of the data server at start-up, then none: its connection count then
        // shows whether a client reached it.
        let tlsServers = try ConfiguredProxy(tlsServerRole("bad", pair: pair, port: data.port,
                                                           checks: "health { interval 1h; timeout 500ms; rise 1; fall 1; }")
                                             + tlsServerRole("good", pair: pki.server, port: healthTarget.port))
        defer { tlsServers.stop() }
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode tcp;
                tls-ca "\(pki.caCertificate)";
                hold 1s;
                connect-timeout 1s;
                health { interval 5s; timeout 500ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(tlsServers.port("bad")) health-port \(tlsServers.port("good")) tls tls-name localhost;
            }

            """)
        defer { front.stop() }
        #expect(tlsServers.waitForActive("bad", "s"))
        #expect(front.waitForActive("front", "primary"))
        // The bad role's start-up check is counted by its own thread, maybe after it is active.
        #expect(eventually { data.served >= 1 })
        let servedBefore = data.served
        let client = try TestClient(port: front.port("front"), timeoutSeconds: 10)
        #expect(client.readToEnd() == [])  // held, then closed without a byte: never connected to the server
        #expect(data.served == servedBefore)
        #expect(eventually { front.logs.all.contains { $0.contains("passive failure") && $0.contains("tls:") } })
    }

    @Test func tlsVerifyOffConnectsAndWarns() throws {
        let echo = DemoServer(name: "primary", kind: .tcp)
        try echo.start()
        defer { echo.stop() }
        let tlsServer = try ConfiguredProxy(tlsServerRole("untrusted", pair: pki.untrusted, port: echo.port))
        defer { tlsServer.stop() }
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode tcp;
                tls-verify off;
                hold 2s;
                \(health)
                server primary 127.0.0.1:\(tlsServer.port("untrusted")) tls;
            }

            """)
        defer { front.stop() }
        #expect(front.logged("tls-verify off"))
        #expect(front.waitForActive("front", "primary"))
        let client = try TestClient(port: front.port("front"), timeoutSeconds: 10)
        #expect(client.readLine() == "primary")
    }

    @Test func httpsHealthChecksMarkAServerUpAndDownAndRequestsGoOverTLS() throws {
        let web = DemoServer(name: "primary", kind: .http)
        try web.start()
        defer { web.stop() }
        let tlsServer = try ConfiguredProxy(tlsServerRole("web", mode: "http", pair: pki.server, port: web.port))
        defer { tlsServer.stop() }
        #expect(tlsServer.waitForActive("web", "s"))
        let front = try ConfiguredProxy("""
            role front {
                listen 127.0.0.1:0;
                mode http;
                tls-ca "\(pki.caCertificate)";
                hold 1s;
                connect-timeout 1s;
                \(httpHealth)
                server primary 127.0.0.1:\(tlsServer.port("web")) tls tls-name localhost;
            }

            """)
        defer { front.stop() }
        #expect(front.waitForActive("front", "primary"))
        let client = try HTTPTestClient(port: front.port("front"))
        let response = client.get("/")
        #expect(response?.status == 200)
        #expect(response?.text.contains("served by primary") == true)
        web.healthy = false  // /health answers 503 through the TLS listener
        #expect(front.waitForActive("front", nil))
        web.healthy = true
        #expect(front.waitForActive("front", "primary"))
    }
}
