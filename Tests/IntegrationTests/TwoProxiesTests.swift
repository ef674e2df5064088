import Admin
import DemoBackends
import EventLoop
import Foundation
import Proxy
import ProxyConfig
import Testing

/// Two proxies in front of the same role, the second following the first's `/events`:
/// after maintenance on the primary through the first's admin API, both send new
/// connections to the secondary.
@Suite(.serialized) struct TwoProxiesTests {
    @Test func theSecondProxyFollowsTheFirstsFeed() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        let secondary = DemoServer(name: "secondary", kind: .tcp)
        try primary.start()
        try secondary.start()
        defer { primary.stop(); secondary.stop() }

        func role(events: String) -> String {
            """
            role r {
                listen 127.0.0.1:0;
                mode tcp;
                \(events)
                health { interval 5s; timeout 500ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(primary.port);
                server secondary 127.0.0.1:\(secondary.port);
            }

            """
        }
        let first = try InProcessProxy(text: "admin { listen 127.0.0.1:0; }\n" + role(events: ""), admin: true)
        defer { first.stop() }
        let feed = "events http://127.0.0.1:\(first.adminPort!)/events;"
        let second = try InProcessProxy(text: role(events: feed), admin: false)
        defer { second.stop() }
        #expect(eventually { first.active == "primary" && second.active == "primary" })
        #expect(eventually { second.logs.all.contains { $0.contains("event feed connected") } })

        let response = try first.admin(post: "/api/roles/r/servers/primary/maintenance", body: #"{"enabled":true}"#)
        #expect(response.hasPrefix("HTTP/1.1 200"))
        #expect(eventually { first.active == "secondary" })

        // Count, do not time: connections through the second proxy that still reached the
        // old server after the first one had moved (bounded loop).
        var toOldServer = 0
        var reachedNew = false
        for _ in 0..<200 {
            let greeting = try TestClient(port: second.port).readLine()
            if greeting == "secondary" { reachedNew = true; break }
            if greeting == "primary" { toOldServer += 1 }
        }
        print("two proxies: \(toOldServer) connection(s) reached the old server after the first proxy moved")
        #expect(reachedNew)
        #expect(second.active == "secondary")
        #expect(second.logs.all.contains { $0.contains("to=secondary") && $0.contains("reason=event") })
        #expect(first.logs.all.contains { $0.contains("to=secondary") && $0.contains("reason=maintenance") })
        #expect(try TestClient(port: first.port).readLine() == "secondary")
    }
}

/// A proxy (and optionally its admin API) in this process, on ephemeral ports.
final class InProcessProxy: @unchecked Sendable {
    let proxy: ProxyServer
    let adminServer: AdminServer?
    let logs = LogCapture()
    let port: UInt16

    init(text: String, admin: Bool) throws {
        let result = ConfigParser.parse(text, file: "test.conf")
        guard let configuration = result.configuration else { throw TestFailure("\(result.diagnostics)") }
        proxy = try ProxyServer(configuration: configuration, logger: logs.logger, group: EventLoopGroup(count: 2))
        if admin, let adminConfig = configuration.admin {
            let server = try AdminServer(configuration: adminConfig, proxy: proxy, logger: logs.logger)
            try server.start()
            adminServer = server
        } else {
            adminServer = nil
        }
        try proxy.start()
        port = proxy.boundAddresses(role: "r")[0].port
    }

    var adminPort: UInt16? { adminServer?.address?.port }
    var active: String? { proxy.activeServers()["r"] ?? nil }

    /// One POST to the admin API; the raw response.
    func admin(post path: String, body: String) throws -> String {
        let client = try TestClient(port: adminPort!)
        try client.send("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        return String(decoding: client.readToEnd() ?? [], as: UTF8.self)
    }

    func stop() {
        adminServer?.stop { }
        let done = DispatchSemaphore(value: 0)
        proxy.shutdown(timeout: .milliseconds(200)) { done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }
}
