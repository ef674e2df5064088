import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `failover-proxy ctl` (the real executable) against a running proxy with an admin API
/// and a token: the address and token come from proxy.conf, or from the flags.
@Suite(.serialized) struct CtlCommandTests {
    /// A running proxy with one tcp role on two demo servers, its admin on a fixed free port.
    final class Site {
        let servers: [DemoServer]
        let adminPort: UInt16
        let proxy: RunningProxy
        var config: String { proxy.dir.url.appendingPathComponent("proxy.conf").path }

        init() throws {
            servers = try ["primary", "secondary"].map { name in
                let server = DemoServer(name: name, kind: .tcp)
                try server.start()
                return server
            }
            let (fd, port) = try BlockingSocket.listen(port: 0)  // a port free right now
            close(fd)
            adminPort = port
            proxy = try RunningProxy(config: """
                admin { listen 127.0.0.1:\(port); token-file admin.token; }
                role r {
                    listen 127.0.0.1:0;
                    mode tcp;
                    health { interval 200ms; timeout 300ms; rise 1; fall 1; }
                    server primary 127.0.0.1:\(servers[0].port);
                    server secondary 127.0.0.1:\(servers[1].port);
                }

                """, files: ["admin.token": "s3cret\n"])
        }

        deinit { for s in servers { s.stop() } }

        /// `ctl ARGS --config proxy.conf`, run to its end.
        func ctl(_ arguments: [String], config: Bool = true) throws -> (code: Int32, out: String, err: String) {
            let extra = config ? ["--config", self.config] : []
            let (code, out, err) = try ProxyProcess.run(["ctl"] + arguments + extra, timeout: 20)
            return (code, out, err)
        }

        /// Waits until both servers are checked and the role is on the primary.
        func ready() -> Bool {
            eventually(timeout: 15) {
                guard let s = try? ctl(["status"]), s.code == 0 else { return false }
                return s.out.split(separator: "\n").contains { $0.hasPrefix("r ") && $0.contains("primary") && $0.contains("*") }
                    && !s.out.contains("unknown")
            }
        }
    }

    /// The row of `server` in a status table, its cells split on blanks.
    static func row(_ table: String, _ server: String) -> [Substring] {
        for line in table.split(separator: "\n") {
            let cells = line.split(separator: " ")
            if cells.count > 1, cells[1] == server { return cells }
        }
        return []
    }

    @Test func statusPrintsATableOfTheRoleWithTheActiveServerMarked() throws {
        let site = try Site()
        #expect(site.ready(), "\(site.proxy.process.stderr)")
        let status = try site.ctl(["status"])
        #expect(status.code == 0, "\(status.err)")
        #expect(status.out.hasPrefix("ROLE"))
        #expect(Self.row(status.out, "primary").prefix(5) == ["r", "primary", "127.0.0.1:\(site.servers[0].port)", "up", "*"])
        #expect(Self.row(status.out, "secondary").prefix(5) == ["r", "secondary", "127.0.0.1:\(site.servers[1].port)", "up", "0"])
        #expect(status.out.contains("r: tcp, active primary, failback off"))
    }

    @Test func maintenanceIsSeenInTheStatusAndMovesTheRole() throws {
        let site = try Site()
        #expect(site.ready(), "\(site.proxy.process.stderr)")
        let change = try site.ctl(["maintenance", "r", "primary", "on"])
        #expect(change.code == 0, "\(change.err)")
        #expect(change.out.contains("failover role=r from=primary to=secondary reason=maintenance"), "\(change.out)")

        let status = try site.ctl(["status", "--json"])
        #expect(status.code == 0, "\(status.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        let role = try #require((json["roles"] as? [[String: Any]])?.first)
        #expect(role["active"] as? String == "secondary")
        let servers = try #require(role["servers"] as? [[String: Any]])
        #expect(servers.first { $0["name"] as? String == "primary" }?["state"] as? String == "maintenance")

        // The flags instead of proxy.conf: the same admin API, the token from its own file.
        let flags = try site.ctl(["maintenance", "r", "primary", "off", "--admin", "127.0.0.1:\(site.adminPort)",
                                  "--token-file", site.proxy.dir.url.appendingPathComponent("admin.token").path], config: false)
        #expect(flags.code == 0, "\(flags.err)")
        #expect(Self.row(flags.out, "primary").prefix(4) == ["r", "primary", "127.0.0.1:\(site.servers[0].port)", "up"])
    }

    @Test func aRefusedCallExitsNonZeroWithTheAPIsMessage() throws {
        let site = try Site()
        #expect(site.ready(), "\(site.proxy.process.stderr)")
        let unknown = try site.ctl(["activate", "r", "nope"])
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("error: unknown server 'nope' (404)"), "\(unknown.err)")
        #expect(unknown.out.isEmpty)

        try site.proxy.dir.write("wrong.token", "guess\n")
        let wrong = try site.ctl(["failback", "r", "on", "--token-file", site.proxy.dir.url.appendingPathComponent("wrong.token").path])
        #expect(wrong.code == 1)
        #expect(wrong.err.contains("Authorization: Bearer TOKEN"), "\(wrong.err)")
        #expect(wrong.err.contains("(401)"), "\(wrong.err)")

        let last = try site.ctl(["remove", "r", "primary"])
        #expect(last.code == 0, "\(last.err)")
        let refused = try site.ctl(["remove", "r", "secondary"])
        #expect(refused.code == 1)
        #expect(refused.err.contains("(409)"), "\(refused.err)")

        let nowhere = try site.ctl(["status", "--admin", "127.0.0.1:1"], config: false)
        #expect(nowhere.code == 1)
        #expect(nowhere.err.contains("cannot connect to the admin API at 127.0.0.1:1"), "\(nowhere.err)")
    }

    @Test func eventsFollowsTheStream() throws {
        let site = try Site()
        #expect(site.ready(), "\(site.proxy.process.stderr)")
        let events = ProxyProcess(["ctl", "events", "--after", "0", "--config", site.config])
        try events.start()
        defer { _ = events.wait(timeout: 0) }  // interrupt, then SIGKILL: the test runner may pass SIGTERM on ignored
        // Replayed history first: the start-up move to the primary.
        #expect(eventually { events.stdout.contains("failover role=r from=- to=primary reason=startup") }, "\(events.stdout)\(events.stderr)")
        #expect(try site.ctl(["activate", "r", "secondary"]).code == 0)
        #expect(eventually { events.stdout.contains("failover role=r from=primary to=secondary reason=manual") }, "\(events.stdout)")
    }
}
