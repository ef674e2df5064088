import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `access-log` without a restart, on the real executable: SIGHUP moves it to a new
/// target (or turns it on), SIGUSR1 opens the file again after logrotate renamed it.
@Suite(.serialized) struct AccessLogReloadTests {
    static func config(log: String?, server: UInt16) -> String {
        """
        \(log.map { "access-log \($0);" } ?? "")
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    /// The access lines of a file so far (none when it does not exist).
    static func lines(_ url: URL) -> [Substring] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(" access ") }
    }

    /// One whole TCP session through the proxy: its access line is written when it ends.
    static func session(_ port: UInt16) throws {
        let client = try TestClient(port: port)
        #expect(client.readLine() == "primary")
        client.shutdownWrite()
        _ = client.readToEnd()
    }

    @Test func sighupMovesTheLogAndSigusr1ReopensItAfterARename() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try RunningProxy(config: Self.config(log: nil, server: primary.port))
        defer { _ = proxy.process.wait(timeout: 0) }
        let port = try proxy.port(role: "r")
        let first = proxy.dir.url.appendingPathComponent("first.log")
        let second = proxy.dir.url.appendingPathComponent("second.log")
        let rotated = proxy.dir.url.appendingPathComponent("second.log.1")

        // Off, then on by a reload.
        try proxy.rewriteConfig(Self.config(log: "first.log", server: primary.port))
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("access-log: "), "\(proxy.process.stderr)")
        try Self.session(port)
        #expect(eventually { Self.lines(first).count == 1 }, "\(proxy.process.stderr)")

        // To another file.
        try proxy.rewriteConfig(Self.config(log: "second.log", server: primary.port))
        proxy.process.signal(SIGHUP)
        #expect(eventually { proxy.logCount("access-log: ") == 2 }, "\(proxy.process.stderr)")
        try Self.session(port)
        #expect(eventually { Self.lines(second).count == 1 })
        #expect(Self.lines(first).count == 1)

        // logrotate renames the file, then signals: new lines go to a new file of the old name.
        try FileManager.default.moveItem(at: second, to: rotated)
        proxy.process.signal(SIGUSR1)
        #expect(proxy.waitForLog("msg=\"access log reopened\""), "\(proxy.process.stderr)")
        try Self.session(port)
        #expect(eventually { Self.lines(second).count == 1 }, "\(proxy.process.stderr)")
        #expect(Self.lines(rotated).count == 1)
        #expect(Self.lines(first).count == 1)
    }

    @Test func aTargetThatCannotBeOpenedRejectsTheReload() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try RunningProxy(config: Self.config(log: "kept.log", server: primary.port))
        defer { _ = proxy.process.wait(timeout: 0) }
        let port = try proxy.port(role: "r")
        try proxy.rewriteConfig(Self.config(log: "no-such-dir/x.log", server: primary.port))
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("reload rejected"), "\(proxy.process.stderr)")
        #expect(proxy.process.stderr.contains("cannot open access log"))
        try Self.session(port)
        #expect(eventually { Self.lines(proxy.dir.url.appendingPathComponent("kept.log")).count == 1 })
    }
}
