import Foundation
import ProxyConfig
import Testing

/// `max-connections` (global and per role) and `hold-queue`, in process over real sockets.
@Suite(.serialized) struct ConnectionLimitTests {
    /// A request that closes: a client that was served sees the response, then the close.
    static let closingGET = "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

    /// Two keep-alive clients fill a cap of 2: a third one waits in the backlog, unserved
    /// and not closed; when one of the two leaves it is accepted and served.
    static func capStopsAndResumes(_ fixture: HTTPProxyFixture) throws {
        var first: HTTPTestClient? = try fixture.client()
        let second = try fixture.client()
        #expect(first?.get("/1")?.status == 200)
        #expect(second.get("/2")?.status == 200)
        let third = try fixture.client(timeoutSeconds: 1)
        #expect(third.send(Self.closingGET))
        #expect(third.readUntilClosed() == .timedOut, "a client beyond the cap must wait in the backlog")
        #expect(fixture.requests().count == 2)

        first = nil  // the client leaves (its socket closes): its slot comes free
        var end: ReadEnd = .timedOut
        for _ in 0..<10 {
            end = third.readUntilClosed()
            if end != .timedOut { break }
        }
        guard case .closedByPeer(let bytes) = end else { Issue.record("not served after a slot came free: \(end)"); return }
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }

    @Test func globalMaxConnectionsStopsAcceptingAndResumes() throws {
        let fixture = try HTTPProxyFixture(maxConnections: .count(2))
        try Self.capStopsAndResumes(fixture)
    }

    @Test func roleMaxConnectionsStopsAcceptingAndResumes() throws {
        let fixture = try HTTPProxyFixture { $0.maxConnections = 2 }
        try Self.capStopsAndResumes(fixture)
    }

    /// A reload that raises a role's cap lets the client waiting in the backlog in.
    @Test func reloadRaisingTheCapAcceptsTheWaitingClient() throws {
        let fixture = try HTTPProxyFixture { $0.maxConnections = 1 }
        let first = try fixture.client()
        #expect(first.get("/1")?.status == 200)
        let second = try fixture.client(timeoutSeconds: 1)
        #expect(second.send(Self.closingGET))
        #expect(second.readUntilClosed() == .timedOut)

        var raised = fixture.configuration
        raised.roles[0].maxConnections = 2
        _ = try fixture.proxy.reload(raised)
        var end: ReadEnd = .timedOut
        for _ in 0..<10 {
            end = second.readUntilClosed()
            if end != .timedOut { break }
        }
        guard case .closedByPeer(let bytes) = end else { Issue.record("not accepted after the reload: \(end)"); return }
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }

    /// No server is live: two clients are held (the queue is full), the third gets 503
    /// with Retry-After at once, well before `hold` runs out; the held two are served when
    /// the server returns.
    @Test func holdQueueTurnsAwayTheNextHTTPClientAtOnce() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hold-queue-http-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let fixture = try HTTPProxyFixture(accessLog: log) {
            $0.holdQueue = 2
            $0.hold = .seconds(30)
        }
        fixture.backend("primary").healthy = false
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some(nil) })
        let held = try (0..<2).map { _ in try fixture.client(timeoutSeconds: 20) }
        for client in held { #expect(client.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")) }
        #expect(waitUntil { fixture.proxy.heldClients(role: "web") == 2 })
        // Its receive timeout is far below `hold`: only an answer given at once arrives in time.
        let third = try fixture.client(timeoutSeconds: 5)
        #expect(third.send("GET /third HTTP/1.1\r\nHost: x\r\n\r\n"))
        let refused = third.readResponse()
        #expect(refused?.status == 503)
        #expect(refused?.header("Retry-After") == ["1"])
        // The access log says why: the queue was full, not that no server was there.
        #expect(waitUntil { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("cause=\"hold-queue full\"") })

        fixture.backend("primary").healthy = true
        for client in held { #expect(client.readResponse()?.status == 200) }
        #expect(fixture.proxy.heldClients(role: "web") == 0)
    }

    /// The same for `mode tcp` (the harness holds for 2 s): the third held client is closed
    /// at once, within a receive timeout of half the hold; the access log says why.
    @Test func holdQueueClosesTheNextTCPClientAtOnce() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hold-queue-\(getpid()).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let h = try ProxyHarness(separateHealth: true, accessLog: log, directives: "hold-queue 2;")
        #expect(h.waitForActive("primary"))
        h.health("primary").healthy = false
        h.health("secondary").healthy = false
        #expect(h.waitForActive(nil))
        let held = try (0..<2).map { _ in try TestClient(port: h.port, timeoutSeconds: 20) }
        #expect(waitUntil { h.proxy.heldClients(role: "test") == 2 })
        let third = try HTTPTestClient(port: h.port, timeoutSeconds: 1)
        #expect(third.readUntilClosed() == .closedByPeer(after: []))
        // When the hold runs out the two are turned away too, and their places come back.
        for client in held { #expect(client.readLine() == nil) }
        #expect(waitUntil { h.proxy.heldClients(role: "test") == 0 })
        func ends() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                $0.split(separator: " ").last.map(String.init)
            }
        }
        // A session's line is written once it has ended, just after its client saw the close.
        #expect(waitUntil { ends().count >= 3 })
        #expect(ends().sorted() == ["end=hold-queue-full", "end=no-server", "end=no-server"], "\(ends())")
    }

    /// A held HTTP client's body is not read while it waits: a large upload stalls in the
    /// kernel's buffers (the send times out) instead of filling the proxy's memory.
    @Test func aHeldClientsBodyIsNotReadWhileHeld() throws {
        let fixture = try HTTPProxyFixture { $0.hold = .seconds(30) }
        fixture.backend("primary").healthy = false
        #expect(waitUntil { fixture.proxy.activeServers()["web"] == .some(nil) })
        let size = 256 * 1024 * 1024
        let client = try fixture.client(timeoutSeconds: 2)
        #expect(client.send("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n"))
        #expect(waitUntil { fixture.proxy.heldClients(role: "web") == 1 })
        let chunk = [UInt8](repeating: 0x61, count: 1024 * 1024)
        var sent = 0
        for _ in 0..<(size / chunk.count) {
            guard client.send(chunk) else { break }
            sent += chunk.count
        }
        // Loopback socket buffers hold a few MiB at most; everything would have gone had the proxy read on.
        #expect(sent < 64 * 1024 * 1024, "\(sent) bytes of the body were taken while the client was held")
    }
}
