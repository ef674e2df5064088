import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `failover-proxy demo` as a newcomer uses it: demo servers behind the proxy, and the
/// console's `fail` command moving the role.
@Suite(.serialized) struct DemoCommandTests {
    /// Free loopback ports (bound and released at once; loopback only).
    static func freePorts(_ n: Int) throws -> [UInt16] {
        var fds: [Int32] = []
        var ports: [UInt16] = []
        for _ in 0..<n {
            let (fd, port) = try BlockingSocket.listen(port: 0)
            fds.append(fd)
            ports.append(port)
        }
        for fd in fds { close(fd) }
        return ports
    }

    @Test func demoServesAndTheFailCommandMovesTheRole() throws {
        let p = try Self.freePorts(4)
        let dir = try TemporaryDirectory()
        try dir.write("proxy.conf", """
        admin { listen 127.0.0.1:\(p[3]); }
        role web {
            listen 127.0.0.1:\(p[0]);
            mode http;
            health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(p[1]);
            server secondary 127.0.0.1:\(p[2]);
        }

        """)
        let demo = ProxyProcess(["demo", "--config", "proxy.conf"], currentDirectory: dir.url)
        try demo.start()
        defer { demo.signal(SIGTERM); _ = demo.wait(timeout: 10) }
        #expect(demo.waitForLog("to=primary"))
        #expect(demo.stderr.contains("failover-proxy demo:"))
        #expect(try Self.get(port: p[0]) == "served by primary")

        demo.type("fail web primary")
        #expect(demo.waitForLog("reason=failure role=web to=secondary"))
        #expect(try Self.get(port: p[0]) == "served by secondary")
        demo.type("status")
        #expect(demo.waitForLog("role web: active secondary"))
    }

    /// One GET with Connection: close; the body's first line.
    static func get(port: UInt16) throws -> String? {
        let client = try TestClient(port: port)
        try client.send("GET / HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
        let response = String(decoding: client.readToEnd() ?? [], as: UTF8.self)
        guard let body = response.range(of: "\r\n\r\n") else { return nil }
        return response[body.upperBound...].split(separator: "\n").first.map(String.init)
    }
}
