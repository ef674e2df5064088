import class TestSupport.Promise
import DemoBackends
import FailoverModel
import Foundation
import Proxy
import ProxyConfig
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Reload (what SIGHUP runs), in process: servers, listeners and roles removed or changed
/// in place, and a reload that cannot bind changes nothing.
@Suite(.serialized) struct ReloadTests {
    static func role(_ name: String, listen: [String] = ["127.0.0.1:0"], servers: [(String, UInt16)], hold: String = "1s") -> String {
        """
        role \(name) {
        \(listen.map { "    listen \($0);" }.joined(separator: "\n"))
            mode tcp;
            hold \(hold);
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
        \(servers.map { "    server \($0.0) 127.0.0.1:\($0.1);" }.joined(separator: "\n"))
        }

        """
    }

    static func configuration(_ text: String) throws -> ProxyConfiguration {
        let result = ConfigParser.parse(text, file: "reload.conf")
        guard let configuration = result.configuration else { throw TestFailure("bad config: \(result.diagnostics.map(\.description))") }
        return configuration
    }

    /// A port nothing listens on right now (bound, then released).
    static func freePort() throws -> UInt16 {
        let (fd, port) = try BlockingSocket.listen(port: 0)
        close(fd)
        return port
    }

    /// TCP demo servers, started.
    static func tcpServers(_ names: [String]) throws -> [DemoServer] {
        try names.map { name in
            let server = DemoServer(name: name, kind: .tcp)
            try server.start()
            return server
        }
    }

    static func greeting(_ port: UInt16) -> String? { (try? TestClient(port: port, timeoutSeconds: 5))?.readLine() }

    @Test func removingTheActiveServerMovesTheRoleAndChangingAnAddressIsFollowed() throws {
        let servers = try Self.tcpServers(["primary", "secondary", "moved"])
        defer { for s in servers { s.stop() } }
        let (primary, secondary, moved) = (servers[0], servers[1], servers[2])
        let proxy = try ConfiguredProxy(Self.role("r", servers: [("primary", primary.port), ("secondary", secondary.port)]))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        let port = proxy.port("r")

        let summary = try proxy.proxy.reload(Self.configuration(Self.role("r", servers: [("secondary", secondary.port)])))
        #expect(summary.contains("role r: reconfigured"), "\(summary)")
        #expect(proxy.waitForActive("r", "secondary"))
        #expect(Self.greeting(port) == "secondary")

        // Same name, new address: new connections go to the new one.
        _ = try proxy.proxy.reload(Self.configuration(Self.role("r", servers: [("secondary", moved.port)])))
        #expect(eventually { Self.greeting(port) == "moved" })
        #expect(proxy.active("r") == "secondary")
    }

    @Test func removedListenersAndRolesStopAcceptingAndTheRestGoesOn() throws {
        let servers = try Self.tcpServers(["primary"])
        defer { for s in servers { s.stop() } }
        let extra = try Self.freePort()
        let gone = try Self.freePort()
        let proxy = try ConfiguredProxy(Self.role("r", listen: ["127.0.0.1:0", "127.0.0.1:\(extra)"], servers: [("primary", servers[0].port)])
                                        + Self.role("old", listen: ["127.0.0.1:\(gone)"], servers: [("primary", servers[0].port)]))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        #expect(proxy.waitForActive("old", "primary"))
        let port = proxy.port("r")
        #expect(Self.greeting(extra) == "primary")
        #expect(Self.greeting(gone) == "primary")

        let summary = try proxy.proxy.reload(Self.configuration(Self.role("r", servers: [("primary", servers[0].port)])))
        #expect(summary.contains("role r: stopped listening on 127.0.0.1:\(extra)"), "\(summary)")
        #expect(summary.contains { $0.hasPrefix("role old: removed") }, "\(summary)")
        // Listeners close on their loops: connects are refused once that has run.
        #expect(eventually { (try? TestClient(port: extra, timeoutSeconds: 1)) == nil })
        #expect(eventually { (try? TestClient(port: gone, timeoutSeconds: 1)) == nil })
        #expect(Self.greeting(port) == "primary")
    }

    /// The second role's new listener cannot bind: the reload throws, the first role's new
    /// listener (bound while preparing) is released, and the running configuration stays.
    @Test func aReloadThatCannotBindChangesNothing() throws {
        let servers = try Self.tcpServers(["primary", "secondary"])
        defer { for s in servers { s.stop() } }
        let (taken, takenPort) = try BlockingSocket.listen(port: 0)
        defer { close(taken) }
        let wouldBind = try Self.freePort()
        let both = [("primary", servers[0].port), ("secondary", servers[1].port)]
        let proxy = try ConfiguredProxy(Self.role("r", servers: both))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        let port = proxy.port("r")

        let failing = Self.role("n", listen: ["127.0.0.1:\(wouldBind)"], servers: both)
            + Self.role("r", listen: ["127.0.0.1:0", "127.0.0.1:\(takenPort)"], servers: [("secondary", servers[1].port)])
        #expect(throws: ProxyError.self) { try proxy.proxy.reload(Self.configuration(failing)) }
        #expect(proxy.proxy.boundAddresses(role: "n").isEmpty)
        #expect(eventually { (try? TestClient(port: wouldBind, timeoutSeconds: 1)) == nil })  // released again
        #expect(proxy.active("r") == "primary")  // the primary was not removed
        #expect(Self.greeting(port) == "primary")
        #expect(proxy.proxy.boundAddresses(role: "r").count == 1)
    }

    /// Runtime changes (admin API) survive a reload that does not touch them; what the file
    /// changed is taken from the file.
    @Test func orderAndFailbackComeFromTheFileOnlyWhereItChangedThem() throws {
        let servers = try Self.tcpServers(["a", "b", "c"])
        defer { for s in servers { s.stop() } }
        let listed = { (names: [String]) in names.map { n in (n, servers.first { $0.name == n }!.port) } }
        let proxy = try ConfiguredProxy(Self.role("r", servers: listed(["a", "b", "c"])))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "a"))
        func perform(_ operation: RoleOperation) -> Bool {
            let done = Promise<Bool>()
            proxy.proxy.perform(operation, role: "r") { result, _ in done.fulfill((try? result.get()) != nil) }
            return done.wait() == true
        }
        func state() -> (order: [String], failback: Bool)? {
            proxy.proxy.snapshots().first { $0.name == "r" }.map { ($0.servers.map(\.name), $0.failback) }
        }
        #expect(perform(.move(server: "c", position: 0)))
        #expect(perform(.setFailback(true)))
        #expect(proxy.waitForActive("r", "c"))

        // An unrelated edit: the runtime order and failback stay.
        _ = try proxy.proxy.reload(Self.configuration(Self.role("r", servers: listed(["a", "b", "c"]), hold: "2s")))
        #expect(state()?.order == ["c", "a", "b"])
        #expect(state()?.failback == true)

        // The file changes the order (not failback): its order, the runtime failback.
        _ = try proxy.proxy.reload(Self.configuration(Self.role("r", servers: listed(["b", "a", "c"]), hold: "2s")))
        #expect(state()?.order == ["b", "a", "c"])
        #expect(state()?.failback == true)
        #expect(proxy.waitForActive("r", "b"))  // failback on: the new top server
    }
}
