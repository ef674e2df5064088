import DemoBackends
import Foundation
import Synchronization
import ProxyConfig
import Testing

/// What clients see of failures: retried when that is safe, otherwise the exact status.
@Suite(.serialized) struct HTTPFailoverTests {
    /// Four keep-alive clients run a bounded loop of GETs (each takes ~10 ms at the backend,
    /// so some are always in flight); the primary crashes mid-run (connections reset,
    /// connects refused). Every request must be answered 200, by one server or the other.
    @Test func primaryCrashMidRunCostsNoRequest() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"])
        defer { fixture.stop() }
        let perClient = 150
        let load = GETLoad(port: fixture.port, clients: 4, perClient: perClient) { c, i in "/slow/10/c\(c)-i\(i)" }
        // Crash the primary once the run is well under way.
        #expect(waitUntil(timeout: 30) { load.answered.load(ordering: .relaxed) >= 150 })
        fixture.backend("primary").stop()
        #expect(load.wait(timeout: 90))
        let failures = load.failures
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(10))")
        #expect(load.answered.load(ordering: .relaxed) == 4 * perClient)
        let counts = load.servedBy
        #expect((counts["primary"] ?? 0) > 0)
        #expect((counts["secondary"] ?? 0) > 0)
        // Requests the primary had received when it crashed were answered by the secondary:
        // the backends saw more requests than clients sent (4 clients are almost always
        // inside a 10 ms request, so at least one is cut off by the crash).
        let seen = fixture.requests("primary").count + fixture.requests("secondary").count
        #expect(seen > 4 * perClient)
    }

    @Test func noServerIsHeldThen503WithRetryAfter() throws {
        let fixture = try HTTPProxyFixture { $0.hold = .milliseconds(300) }
        defer { fixture.stop() }
        fixture.backend("primary").stop()
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some(nil) })
        let client = try fixture.client(timeoutSeconds: 5)
        let response = try #require(client.get("/"))
        #expect(response.status == 503)
        #expect(!response.header("retry-after").isEmpty)
        #expect(response.header("connection") == ["close"])
    }

    @Test func upstreamGarbageIs502() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 5)
        let response = try #require(client.get("/garbage"))
        #expect(response.status == 502)
        #expect(response.header("connection") == ["close"])
    }

    @Test func upstreamSilenceIs504() throws {
        let fixture = try HTTPProxyFixture { $0.idleTimeout = .milliseconds(500) }
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 5)
        let response = try #require(client.get("/silent"))
        #expect(response.status == 504)
        #expect(fixture.requests().map(\.target) == ["/silent"])  // sent once, not retried
    }

    @Test func nonIdempotentRequestIsNotRetriedAfterItWasSent() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"])
        defer { fixture.stop() }
        let client = try fixture.client(timeoutSeconds: 10)
        client.send("POST /slow/500 HTTP/1.1\r\nHost: t\r\nContent-Length: 20000\r\n\r\n" + String(repeating: "p", count: 20000))
        #expect(waitUntil { fixture.requests("primary").count == 1 })
        fixture.backend("primary").stop()
        let response = try #require(client.readResponse())
        #expect(response.status == 502)
        #expect(fixture.requests("secondary").isEmpty)
    }

    @Test func connectFailureIsRetriedOnTheNewActiveServer() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"]) {
            $0.health = HealthConfig(path: "/health", interval: .seconds(3600), timeout: .milliseconds(300), rise: 1, fall: 1)
        }
        defer { fixture.stop() }
        // Checks are hourly: only the refused connect can tell the proxy the primary is gone.
        fixture.backend("primary").stop()
        let client = try fixture.client(timeoutSeconds: 10)
        let response = try #require(client.get("/after-crash"))
        #expect(response.status == 200)
        #expect(response.header("x-served-by") == ["secondary"])
    }

    @Test func failoverClosesTheOldServersPooledConnections() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"], loops: 1)
        defer { fixture.stop() }
        let client = try fixture.client()
        #expect(client.get("/one")?.header("x-served-by") == ["primary"])
        #expect(fixture.backend("primary").openDataConnections == 1)  // kept in the proxy's pool
        fixture.backend("primary").healthy = false
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some("secondary") })
        #expect(waitUntil { fixture.backend("primary").openDataConnections == 0 })
        #expect(client.get("/two")?.header("x-served-by") == ["secondary"])
    }

    /// `on-failover close` (the default): the response in progress still arrives, then the
    /// client connection ends, so the client reconnects to the new server.
    @Test func onFailoverCloseEndsTheClientConnectionAfterItsResponse() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"])
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /slow/3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { fixture.requests("primary").count == 1 })
        fixture.backend("primary").healthy = false
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some("secondary") })
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.header("x-served-by") == ["primary"])
        #expect(response.header("connection") == ["close"])
        #expect(client.readUntilClosed() == .closedByPeer(after: []))
    }

    @Test func onFailoverKeepLeavesTheClientConnectionOpen() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary", "secondary"]) { $0.onFailover = .keep }
        defer { fixture.stop() }
        let client = try fixture.client()
        client.send("GET /slow/3000 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { fixture.requests("primary").count == 1 })
        fixture.backend("primary").healthy = false
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some("secondary") })
        let response = try #require(client.readResponse())
        #expect(response.header("x-served-by") == ["primary"])
        #expect(response.header("connection") == ["keep-alive"])
        #expect(client.get("/next")?.header("x-served-by") == ["secondary"])
    }

    /// Shutdown: idle keep-alive clients are closed at once, a request in flight is
    /// answered (with `Connection: close`), then the shutdown completes.
    @Test func shutdownFinishesTheRequestInFlightAndClosesIdleClients() throws {
        let fixture = try HTTPProxyFixture()
        defer { fixture.stop() }
        let idle = try fixture.client(timeoutSeconds: 5)
        #expect(idle.get("/warm")?.status == 200)
        let busy = try fixture.client(timeoutSeconds: 10)
        busy.send("GET /slow/1000 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { fixture.requests().count == 2 })
        let finished = DispatchSemaphore(value: 0)
        fixture.proxy.shutdown(timeout: .seconds(8)) { finished.signal() }
        #expect(idle.readUntilClosed() == .closedByPeer(after: []))  // closed without a response
        let response = try #require(busy.readResponse())
        #expect(response.status == 200)
        #expect(response.header("connection") == ["close"])
        #expect(finished.wait(timeout: .now() + 10) == .success)
    }
}
