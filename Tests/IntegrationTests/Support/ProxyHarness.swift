import class TestSupport.Promise
import DemoBackends
import EventLoop
import Foundation
import Logging
import Proxy
import ProxyConfig

/// An in-process proxy for one role over demo servers on ephemeral ports, for tests.
/// `stop()` (or deinit) shuts the proxy and every backend down.
final class ProxyHarness: @unchecked Sendable {  // used from one test at a time
    let proxy: ProxyServer
    let backends: [DemoServer]
    let healthBackends: [DemoServer]
    let port: UInt16
    let logs: LogCapture
    private var stopped = false

    /// - Parameters:
    ///   - servers: names in priority order; each gets a TCP (or HTTP) demo server.
    ///   - separateHealth: give each server an HTTP demo server on a `health-port`, so a test can
    ///     fail a TCP server's checks without stopping it.
    ///   - directives: extra role directives, e.g. `failback on;`.
    ///   - external: servers run by the test itself, after the demo servers, as (name, port).
    ///   - accessLog: a file for `access-log`.
    init(mode: RoleConfig.Mode = .tcp, servers: [String] = ["primary", "secondary"], external: [(String, UInt16)] = [],
         separateHealth: Bool = false, accessLog: String? = nil,
         directives: String = "", health: String = "interval 200ms; timeout 300ms; rise 1; fall 1;") throws {
        let kind: DemoServer.Kind = mode == .tcp ? .tcp : .http
        backends = servers.map { DemoServer(name: $0, kind: kind) }
        for b in backends { try b.start() }
        healthBackends = separateHealth ? servers.map { DemoServer(name: "\($0)-health", kind: .http) } : []
        for b in healthBackends { try b.start() }
        let usesHTTPHealth = mode == .http || separateHealth
        var serverLines = ""
        for (i, b) in backends.enumerated() {
            let healthPort = separateHealth ? " health-port \(healthBackends[i].port)" : ""
            serverLines += "    server \(b.name) 127.0.0.1:\(b.port)\(healthPort);\n"
        }
        for (name, port) in external { serverLines += "    server \(name) 127.0.0.1:\(port);\n" }
        let text = (accessLog.map { "access-log \($0);\n" } ?? "") + """
        role test {
            listen 127.0.0.1:0;
            mode \(mode.rawValue);
            hold 2s;
            connect-timeout 1s;
            drain-timeout 1s;
            \(directives)
            health { \(usesHTTPHealth ? "path /health;" : "") \(health) }
        \(serverLines)}

        """
        let result = ConfigParser.parse(text, file: "test.conf")
        guard let configuration = result.configuration else {
            throw TestFailure("bad test config: \(result.diagnostics.map(\.description))")
        }
        logs = LogCapture()
        proxy = try ProxyServer(configuration: configuration, logger: logs.logger, group: EventLoopGroup(count: 2))
        try proxy.start()
        port = proxy.boundAddresses(role: "test")[0].port
    }

    deinit { stop() }

    func backend(_ name: String) -> DemoServer { backends.first { $0.name == name }! }
    func health(_ name: String) -> DemoServer { healthBackends.first { $0.name == "\(name)-health" }! }

    var active: String? { proxy.activeServers()["test"] ?? nil }

    /// Waits until the role's active server is `name` (nil: none).
    func waitForActive(_ name: String?, timeout: TimeInterval = 10) -> Bool {
        eventually(timeout: timeout) { active == name }
    }

    /// Connects through the proxy and returns the greeting of the TCP demo server reached.
    func greeting(timeoutSeconds: Int = 10) throws -> String? {
        let client = try TestClient(port: port, timeoutSeconds: timeoutSeconds)
        return client.readLine()
    }

    /// Sessions open on every loop (nil if the loops did not answer within 5 s).
    func openSessions() -> Int? {
        let total = Promise<Int>()
        proxy.sessionCounts { counts in total.fulfill(counts.values.flatMap(\.values).reduce(0, +)) }
        return total.wait(seconds: 5)
    }

    /// Closes the idle pipes each loop keeps for reuse.
    func releasePooledPipes() {
        for loop in proxy.group.loops { loop.queue.sync { loop.releasePooledResources() } }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        proxy.shutdownAndWait()
        for b in backends + healthBackends { b.stop() }
    }
}

/// Keeps log lines in memory so tests can assert on them.
final class LogCapture: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var lines: [String] = []

    var logger: Logger {
        Logger(label: "test") { [self] label in
            LogfmtHandler(label: label) { line in self.append(line) }
        }
    }

    private func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
