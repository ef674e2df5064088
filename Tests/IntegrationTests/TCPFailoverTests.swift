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
        // The primary is up again (a second "up" line), then three more of its checks pass:
        // a failback would have happened by then, so the role must still be on the secondary.
        #expect(eventually { h.logs.all.filter { $0.contains("server=primary state=up") }.count >= 2 })
        let checks = h.health("primary").healthChecks
        #expect(eventually { h.health("primary").healthChecks >= checks + 3 })
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

    /// The servers keep running and only their health checks fail, so a client that was
    /// not held would reach one at once.
    @Test func allDownClientIsHeldThenServedWhenAServerReturns() throws {
        let h = try ProxyHarness(separateHealth: true)  // hold 2s, checks every 200 ms
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        h.health("secondary").healthy = false
        #expect(h.waitForActive(nil))
        let client = try TestClient(port: h.port)  // accepted and held
        // Two more failed checks of the secondary while the client waits, then it recovers.
        let checks = h.health("secondary").healthChecks
        #expect(eventually { h.health("secondary").healthChecks >= checks + 2 })
        #expect(h.backend("secondary").served == 0)
        h.health("secondary").healthy = true
        #expect(client.readLine() == "secondary")
        #expect(h.logs.all.contains { $0.contains("role moved") && $0.contains("from=-") && $0.contains("to=secondary") })
    }

    @Test func allDownClientIsClosedWhenNoServerReturnsWithinHold() throws {
        let h = try ProxyHarness(separateHealth: true)  // hold 2s, checks every 200 ms
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        h.health("secondary").healthy = false
        #expect(h.waitForActive(nil))
        let checks = h.health("primary").healthChecks
        let client = try TestClient(port: h.port, timeoutSeconds: 10)
        #expect(client.readToEnd() == [])  // closed without a byte (nil: still open at the timeout)
        // Held for the hold, not closed at once: several more checks ran meanwhile.
        #expect(h.health("primary").healthChecks >= checks + 4)
        #expect(h.backend("primary").served + h.backend("secondary").served == 0)
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
