import DemoBackends
import Foundation
import Testing

/// `mode tcp` failover over real sockets: which server new connections reach as health
/// changes (SPEC §4), through the in-process proxy.
@Suite(.serialized) struct TCPFailoverTests {
    @Test func bytesReachThePrimary() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        let client = try TestClient(port: h.port)
        #expect(client.readLine() == "primary")
        try client.send("hello\n")
        #expect(client.readLine() == "hello")
    }

    @Test func primaryHealthFailsNewConnectionsReachSecondary() throws {
        let h = try ProxyHarness(separateHealth: true)
        #expect(h.waitForActive("primary"))
        #expect(try h.greeting() == "primary")
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        #expect(try h.greeting() == "secondary")
        #expect(h.logs.all.contains { $0.contains("msg=\"role moved\"") && $0.contains("from=primary") && $0.contains("to=secondary") && $0.contains("reason=failure") })
    }

    @Test func primaryProcessStoppedNewConnectionsReachSecondary() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        h.backend("primary").stop()
        // No waiting for the health check: the refused connect is a passive failure, and the
        // client is held until the role has moved, then served by the secondary.
        #expect(try h.greeting() == "secondary")
        #expect(h.active == "secondary")
    }

    @Test func failbackOffStaysOnSecondaryWhenPrimaryReturns() throws {
        let h = try ProxyHarness(separateHealth: true)
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        h.health("primary").healthy = true
        // Give the primary several intervals to come back up; the role must not move.
        #expect(eventually(timeout: 3) { h.logs.all.contains { $0.contains("server=primary state=up") && !$0.contains("startup") } && h.logs.all.filter { $0.contains("server=primary state=up") }.count >= 2 })
        usleep(600_000)
        #expect(h.active == "secondary")
        #expect(try h.greeting() == "secondary")
    }

    @Test func failbackOnReturnsToPrimary() throws {
        let h = try ProxyHarness(separateHealth: true, directives: "failback on;")
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        h.health("primary").healthy = true
        #expect(h.waitForActive("primary"))
        #expect(try h.greeting() == "primary")
        #expect(h.logs.all.contains { $0.contains("from=secondary") && $0.contains("to=primary") && $0.contains("reason=failback") })
    }

    @Test func secondaryFailsWhilePrimaryDownGoesToTertiary() throws {
        let h = try ProxyHarness(servers: ["primary", "secondary", "tertiary"])
        #expect(h.waitForActive("primary"))
        h.backend("primary").stop()
        #expect(h.waitForActive("secondary"))
        h.backend("secondary").stop()
        #expect(h.waitForActive("tertiary"))
        #expect(try h.greeting() == "tertiary")
    }

    @Test func allDownClientIsHeldThenServedWhenAServerReturns() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        h.backend("primary").stop()
        h.backend("secondary").stop()
        #expect(h.waitForActive(nil))
        let client = try TestClient(port: h.port)  // accepted and held (hold 2s)
        usleep(300_000)
        try h.backend("secondary").start()
        #expect(client.readLine() == "secondary")
    }

    @Test func allDownClientIsClosedWhenNoServerReturnsWithinHold() throws {
        let h = try ProxyHarness()
        #expect(h.waitForActive("primary"))
        h.backend("primary").stop()
        h.backend("secondary").stop()
        #expect(h.waitForActive(nil))
        let client = try TestClient(port: h.port, timeoutSeconds: 6)
        let started = Date()
        #expect(client.readToEnd() == [])  // closed without a byte
        #expect(Date().timeIntervalSince(started) < 6)
    }

    @Test func longSessionOnFailedServerIsClosedWithOnFailoverClose() throws {
        let h = try ProxyHarness(separateHealth: true)
        #expect(h.waitForActive("primary"))
        let session = try TestClient(port: h.port)
        #expect(session.readLine() == "primary")
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        #expect(session.waitForClose())
        #expect(try h.greeting() == "secondary")
    }

    @Test func longSessionOnFailedServerIsKeptWithOnFailoverKeep() throws {
        let h = try ProxyHarness(separateHealth: true, directives: "on-failover keep;")
        #expect(h.waitForActive("primary"))
        let session = try TestClient(port: h.port)
        #expect(session.readLine() == "primary")
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        try session.send("still here\n")
        #expect(session.readLine() == "still here")
    }

    @Test func maintenanceStyleDrainLetsSessionsFinishThenCloses() throws {
        // A planned move (here: failback) drains sessions for drain-timeout (1s) instead of closing at once.
        let h = try ProxyHarness(separateHealth: true, directives: "failback on;")
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        #expect(h.waitForActive("secondary"))
        let session = try TestClient(port: h.port)
        #expect(session.readLine() == "secondary")
        h.health("primary").healthy = true
        #expect(h.waitForActive("primary"))
        try session.send("draining\n")
        #expect(session.readLine() == "draining")  // still served during the drain
        #expect(session.waitForClose())            // and closed when it ends
    }
}
