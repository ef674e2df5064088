import DemoBackends
import EventLoop
import Foundation
import Logging
import Proxy
import ProxyConfig
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The primary is a separate process killed with SIGKILL in the middle of a bounded
/// loop of GETs: every request is still answered, because connect failures and empty
/// responses of idempotent requests are retried on the new active server.
@Suite(.serialized) struct HTTPKillTests {
    /// A keep-alive HTTP/1.1 backend in Python (a foreign implementation): answers its name
    /// after `delay` seconds, `/health` at once.
    static let backendScript = """
    import http.server, sys, time
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            if self.path != "/health": time.sleep(float(sys.argv[3]))
            body = (sys.argv[2] + "\\n").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Served-By", sys.argv[2])
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args): pass
    http.server.ThreadingHTTPServer.daemon_threads = True
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
    """

    @Test func sigkillOfThePrimaryMidRequestCostsNoRequest() throws {
        let primary = try PythonBackend(name: "primary", script: Self.backendScript, delay: 0.01)
        let secondary = try PythonBackend(name: "secondary", script: Self.backendScript, delay: 0.01)
        defer { primary.kill(); secondary.kill() }

        let role = RoleConfig(
            name: "web", listeners: [ListenerConfig(address: Endpoint(host: "127.0.0.1", port: 0))], mode: .http,
            hold: .seconds(5), connectTimeout: .seconds(1),
            health: HealthConfig(path: "/health", interval: .milliseconds(200), timeout: .milliseconds(300), rise: 1, fall: 1),
            servers: [ServerConfig(name: "primary", address: Endpoint(host: "127.0.0.1", port: primary.port)),
                      ServerConfig(name: "secondary", address: Endpoint(host: "127.0.0.1", port: secondary.port))])
        let proxy = try ProxyServer(configuration: ProxyConfiguration(roles: [role]),
                                    logger: Logger(label: "kill-test") { _ in SwiftLogNoOpLogHandler() },
                                    group: EventLoopGroup(count: 2))
        try proxy.start()
        defer {
            let done = DispatchSemaphore(value: 0)
            proxy.shutdown(timeout: .milliseconds(200)) { done.signal() }
            _ = done.wait(timeout: .now() + 5)
        }
        let port = proxy.boundAddresses(role: "web")[0].port
        #expect(waitUntil(timeout: 15) { proxy.activeServers()["web"] == .some("primary") })

        let perClient = 100
        let load = GETLoad(port: port, clients: 4, perClient: perClient) { c, i in "/c\(c)/\(i)" }
        #expect(waitUntil(timeout: 60) { load.answered.load(ordering: .relaxed) >= 80 })
        primary.kill()  // SIGKILL: in-flight requests get a reset or EOF, new connects are refused
        #expect(load.wait(timeout: 120))
        let failures = load.failures
        #expect(failures.isEmpty, "\(failures.count) failed: \(failures.prefix(10))")
        #expect(load.answered.load(ordering: .relaxed) == 4 * perClient)
        let counts = load.servedBy
        #expect((counts["primary"] ?? 0) > 0)
        #expect((counts["secondary"] ?? 0) > 0)
    }
}

/// A Python backend process on a free loopback port; `kill()` sends SIGKILL.
final class PythonBackend: @unchecked Sendable {
    let port: UInt16
    private let process = Process()

    init(name: String, script: String, delay: Double) throws {
        let (fd, free) = try BlockingSocket.listen(port: 0)
        close(fd)  // the port is free again for the backend (a tiny race, on loopback only)
        port = free
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(free), name, String(delay)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard waitUntil(timeout: 15, { (try? TestClient(port: free, timeoutSeconds: 1)) != nil }) else {
            kill()
            throw TestFailure("python backend \(name) did not start")
        }
    }

    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
