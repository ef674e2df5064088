import DemoBackends
import Foundation
import Glibc
@testable import Proxy
import Testing

/// A client held for a route (no server, `hold` long) that goes away is noticed while it
/// is held: it leaves the hold queue and the close is logged, long before `hold` ends.
@Suite(.serialized) struct HeldClientTests {
    /// Clients held on every loop of `role`.
    static func held(_ proxy: ProxyServer, _ role: String) -> Int {
        guard let controller = proxy.controllers.first(where: { $0.name == role }) else { return -1 }
        return controller.planes.reduce(0) { count, plane in count + plane.loop.queue.sync { plane.heldCount } }
    }

    static func tcpConfig(server: UInt16) -> String {
        """
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            hold 60s;
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    @Test func aTCPClientThatClosesWhileHeldLeavesTheQueue() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.tcpConfig(server: primary.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        primary.stop()
        #expect(proxy.waitForActive("r", nil))

        var client: TestClient? = try TestClient(port: proxy.port("r"))
        #expect(eventually { Self.held(proxy.proxy, "r") == 1 })
        client = nil  // closed
        _ = client
        #expect(eventually(timeout: 10) { Self.held(proxy.proxy, "r") == 0 }, "still held after the client closed")
        #expect(eventually { proxy.logged("held client gone") })
    }

    /// A client that sent its input and half-closed is not taken for gone: it is served
    /// once the server is back.
    @Test func aTCPClientThatHalfClosesAfterItsInputStaysHeld() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.tcpConfig(server: primary.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        primary.stop()
        #expect(proxy.waitForActive("r", nil))

        let client = try TestClient(port: proxy.port("r"))
        try client.send("hello\n")
        client.shutdownWrite()
        #expect(eventually { Self.held(proxy.proxy, "r") == 1 })
        try primary.start()
        #expect(client.readLine() == "primary")
        #expect(client.readLine() == "hello")
    }

    @Test func anHTTPClientThatClosesWhileHeldLeavesTheQueue() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let fixture = try HTTPProxyFixture(accessLog: log) { $0.hold = .seconds(60) }
        defer { fixture.stop() }
        fixture.backend("primary").stop()
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some(nil) })

        var client: HTTPTestClient? = try fixture.client()
        client?.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { Self.held(fixture.proxy, "web") == 1 })
        client = nil  // closed
        _ = client
        #expect(waitUntil { Self.held(fixture.proxy, "web") == 0 }, "still held after the client closed")
        #expect(waitUntil { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("cause=\"client gone while held\"") })
    }
}
