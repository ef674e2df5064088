import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `admin` block without a restart, on the real executable: SIGHUP reads the token
/// file again, moves the listener to a new address, and closes it when the block goes.
@Suite(.serialized) struct AdminReloadTests {
    static func freePort() throws -> UInt16 {
        let (fd, port) = try BlockingSocket.listen(port: 0)
        close(fd)
        return port
    }

    static func config(admin: UInt16?, server: UInt16) -> String {
        """
        \(admin.map { "admin { listen 127.0.0.1:\($0); token-file admin.token; }" } ?? "")
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    /// `ctl failback r on|off` against `port` with `token`: (exit code, stderr).
    static func change(_ port: UInt16, token: String, in dir: TemporaryDirectory) throws -> (Int32, String) {
        let file = try dir.write("ctl.token", token)
        let (code, _, err) = try ProxyProcess.run(["ctl", "failback", "r", "on", "--admin", "127.0.0.1:\(port)",
                                                   "--token-file", file.path])
        return (code, err)
    }

    static func refused(_ port: UInt16) -> Bool { (try? BlockingSocket.connect(port: port)).map { close($0); return false } ?? true }

    @Test func sighupRereadsTheTokenMovesTheListenerAndClosesIt() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let first = try Self.freePort()
        let proxy = try RunningProxy(config: Self.config(admin: first, server: primary.port), files: ["admin.token": "one\n"])
        defer { _ = proxy.process.wait(timeout: 0) }
        _ = try proxy.port(role: "r")
        #expect(try Self.change(first, token: "one", in: proxy.dir).0 == 0)

        // A new token in the same file: the old one is refused after the reload.
        try proxy.dir.write("admin.token", "two\n")
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("msg=reloaded"), "\(proxy.process.stderr)")
        let old = try Self.change(first, token: "one", in: proxy.dir)
        #expect(old.0 == 1 && old.1.contains("(401)"), "\(old.1)")
        #expect(try Self.change(first, token: "two", in: proxy.dir).0 == 0)

        // A new address: served there, the old one closed.
        let second = try Self.freePort()
        try proxy.rewriteConfig(Self.config(admin: second, server: primary.port))
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("address=127.0.0.1:\(second)"), "\(proxy.process.stderr)")
        #expect(try Self.change(second, token: "two", in: proxy.dir).0 == 0)
        #expect(eventually { Self.refused(first) })

        // No admin block: no admin listener.
        try proxy.rewriteConfig(Self.config(admin: nil, server: primary.port))
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("admin listener closed"), "\(proxy.process.stderr)")
        #expect(eventually { Self.refused(second) })
    }
}

/// A reload cannot change `state-file`: the log says it needs a restart.
@Suite struct RestartOnlyReloadTests {
    @Test func changingTheStateFileIsReportedAsNeedingARestart() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let role = AdminReloadTests.config(admin: nil, server: primary.port)
        let proxy = try RunningProxy(config: "state-file one.state;\n" + role)
        defer { _ = proxy.process.wait(timeout: 0) }
        _ = try proxy.port(role: "r")
        try proxy.rewriteConfig("state-file two.state;\nworkers 2;\n" + role)
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("msg=reloaded"), "\(proxy.process.stderr)")
        #expect(proxy.waitForLog("'state-file' changed in the file: it needs a restart"), "\(proxy.process.stderr)")
        #expect(!proxy.process.stderr.contains("'workers' changed"))
    }
}
