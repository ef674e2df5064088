import DemoBackends
import EventLoop
import Foundation
import Proxy
import ProxyConfig
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `workers` without a restart, on the real executable: SIGHUP with fewer workers retires
/// the last loops (their connections go on, then the loops and their descriptors go),
/// with more it adds loops; new connections are served throughout.
@Suite(.serialized) struct WorkersReloadTests {
    static func config(workers: Int, server: UInt16) -> String {
        """
        workers \(workers);
        admin { listen 127.0.0.1:0; }
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            health { interval 1s; timeout 500ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    /// The proxy's epoll instances (one per loop, plus Dispatch's own) and sockets now.
    static func descriptors(_ pid: Int32) -> (epoll: Int, sockets: Int) {
        let dir = "/proc/\(pid)/fd"
        let links = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)") }
        return (links.filter { $0 == "anon_inode:[eventpoll]" }.count, links.filter { $0.hasPrefix("socket:") }.count)
    }

    /// The fewest of a few samples: a health check's socket or the last scrape's
    /// connection may be open for a moment.
    static func settledDescriptors(_ pid: Int32) -> (epoll: Int, sockets: Int) {
        var best = descriptors(pid)
        for _ in 0..<20 {
            usleep(50_000)
            let now = descriptors(pid)
            best = (min(best.epoll, now.epoll), min(best.sockets, now.sockets))
        }
        return best
    }

    /// A gauge from `/metrics` (nil when it is not there).
    static func gauge(_ name: String, admin: UInt16) -> Int? {
        let text = (try? HTTPTestClient(port: admin, timeoutSeconds: 5))?.get("/metrics")?.text ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "").map { Int($0) } }
    }

    /// A connection through the proxy, greeted by the server.
    static func open(_ port: UInt16) throws -> TestClient {
        let client = try TestClient(port: port)
        guard client.readLine() == "primary" else { throw TestFailure("no greeting through the proxy") }
        return client
    }

    static func echoes(_ client: TestClient, _ text: String) -> Bool {
        (try? client.send(text + "\n")) != nil && client.readLine() == text
    }

    static func reload(_ proxy: RunningProxy, workers: Int, server: UInt16) throws {
        let before = proxy.logCount("msg=reloaded")
        try proxy.rewriteConfig(config(workers: workers, server: server))
        proxy.process.signal(SIGHUP)
        #expect(eventually { proxy.logCount("msg=reloaded") == before + 1 }, "\(proxy.process.stderr)")
        #expect(proxy.process.stderr.contains("workers: \(workers)"), "\(proxy.process.stderr)")
    }

    @Test func fewerThenMoreWorkersKeepConnectionsAndLeaveNoDescriptorBehind() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try RunningProxy(config: Self.config(workers: 4, server: primary.port))
        defer { _ = proxy.process.wait(timeout: 0) }
        let port = try proxy.port(role: "r")
        let admin = try proxy.adminPort()
        let pid = proxy.process.process.processIdentifier
        #expect(eventually { Self.gauge("failover_proxy_event_loops", admin: admin) == 4 })
        let start = Self.settledDescriptors(pid)

        // Twelve connections spread over four loops (by the kernel's hash: all on the kept
        // loop one time in seventeen million).
        let old = try (0..<12).map { _ in try Self.open(port) }
        try Self.reload(proxy, workers: 1, server: primary.port)
        for (i, client) in old.enumerated() { #expect(Self.echoes(client, "old \(i)"), "connection \(i) after the reload") }
        let new = try (0..<4).map { _ in try Self.open(port) }
        for (i, client) in new.enumerated() { #expect(Self.echoes(client, "new \(i)")) }
        #expect(Self.gauge("failover_proxy_event_loops", admin: admin) == 1)
        #expect((Self.gauge("failover_proxy_event_loops_draining", admin: admin) ?? 0) > 0)
        #expect(!proxy.process.stderr.contains("needs a restart"))

        // Once the clients close, the retired loops go with their epoll fds and sockets
        // (each of them had one socket of the role's listener and one of the admin's).
        for client in old + new { client.shutdownWrite(); _ = client.readToEnd() }
        #expect(eventually { Self.gauge("failover_proxy_event_loops_draining", admin: admin) == 0 }, "\(proxy.process.stderr)")
        var now = Self.descriptors(pid)
        #expect(eventually {
            now = Self.descriptors(pid)
            return now.epoll == start.epoll - 3 && now.sockets == start.sockets - 3 * 2
        }, "before \(start), now \(now)")

        // More workers: a connection opened before keeps working, new ones are served, and
        // the new loops have their sockets.
        let kept = try Self.open(port)
        try Self.reload(proxy, workers: 3, server: primary.port)
        #expect(Self.echoes(kept, "kept"))
        let more = try (0..<6).map { _ in try Self.open(port) }
        for (i, client) in more.enumerated() { #expect(Self.echoes(client, "more \(i)")) }
        #expect(Self.gauge("failover_proxy_event_loops", admin: admin) == 3)
        #expect(Self.gauge("failover_proxy_event_loops_draining", admin: admin) == 0)
        for client in more + [kept] { client.shutdownWrite(); _ = client.readToEnd() }
        #expect(eventually {
            now = Self.descriptors(pid)
            return now.epoll == start.epoll - 1 && now.sockets == start.sockets - 1 * 2
        }, "before \(start), now \(now)")
    }
}

/// `mode http` across a `workers` reload, in process: an exchange under way on a retired
/// loop finishes, and that client is then told to close; clients on the kept loop go on.
@Suite struct WorkersReloadHTTPTests {
    @Test func exchangesUnderWayFinishAndRetiredLoopsCloseTheirClientsAfter() throws {
        let fixture = try HTTPProxyFixture(servers: ["primary"], loops: 4)
        defer { fixture.stop() }
        // Twelve keep-alive clients over four loops, each with a slow request under way.
        let clients = try (0..<12).map { _ in try fixture.client() }
        for client in clients {
            #expect(client.get("/warm")?.status == 200)
            #expect(client.send("GET /slow/1500 HTTP/1.1\r\nHost: t\r\n\r\n"))
        }
        #expect(waitUntil { fixture.requests().filter { $0.target == "/slow/1500" }.count == 12 })

        var fewer = fixture.configuration
        fewer.workers = .count(1)
        let summary = try fixture.proxy.reload(fewer)
        #expect(summary.contains("workers: 1 (3 old loops drain)"), "\(summary)")
        #expect(fixture.proxy.group.loops.count == 1)

        var closed = 0
        for (i, client) in clients.enumerated() {
            let response = client.readResponse()
            #expect(response?.status == 200, "client \(i)")
            if response?.header("connection") == ["close"] {
                closed += 1
                #expect(client.readUntilClosed() == .closedByPeer(after: []), "client \(i)")
            } else {
                #expect(client.get("/again")?.status == 200, "client \(i) on the kept loop")
            }
        }
        #expect(closed > 0, "every client on the kept loop: one time in seventeen million")
        #expect(waitUntil { fixture.proxy.drainingLoopCount == 0 })
        #expect(try fixture.client().get("/new")?.status == 200)
    }
}

/// The loops change when the file's `workers` changes, not whenever the running count
/// differs from it (a test's own group stays; so does `auto` when the CPUs changed).
@Suite struct WorkersSettingTests {
    @Test func aReloadWithTheSameWorkersKeepsTheLoopsItRunsOn() throws {
        let parsed = ConfigParser.parse("workers 3;\nrole r { listen 127.0.0.1:0; mode tcp; server a 127.0.0.1:9; }\n", file: "test.conf")
        let configuration = try #require(parsed.configuration, "\(parsed.diagnostics)")
        let proxy = try ProxyServer(configuration: configuration, logger: LogCapture().logger, group: EventLoopGroup(count: 1))
        try proxy.start()
        defer { proxy.shutdownAndWait() }
        let loop = proxy.group.loops[0]
        #expect(try proxy.reload(configuration).allSatisfy { !$0.hasPrefix("workers") })
        #expect(proxy.group.loops.count == 1 && proxy.group.loops[0] === loop)

        var two = configuration
        two.workers = .count(2)
        #expect(try proxy.reload(two).contains("workers: 2"))
        #expect(proxy.group.loops.count == 2 && proxy.group.loops[0] === loop)
    }
}
