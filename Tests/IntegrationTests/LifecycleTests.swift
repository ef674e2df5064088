import DemoBackends
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Signals on the real executable: SIGTERM drains and exits 0, SIGHUP reloads.
@Suite(.serialized) struct LifecycleTests {
    static func config(servers: [(String, UInt16)], extra: String = "") -> String {
        """
        shutdown-timeout 5s;
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            hold 3s;
            \(extra)
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
        \(servers.map { "    server \($0.0) 127.0.0.1:\($0.1);" }.joined(separator: "\n"))
        }

        """
    }

    /// SIGTERM and SIGINT (Ctrl-C) alike.
    @Test(arguments: [SIGTERM, SIGINT])
    func stopSignalLetsAnInFlightSlowResponseFinishRefusesNewConnectionsAndExitsZero(_ stop: Int32) throws {
        let slow = try SlowReplyServer(delay: 1.0)
        defer { slow.stop() }
        let proxy = try RunningProxy(config: Self.config(servers: [("slow", slow.port)]))
        let port = try proxy.port(role: "r")
        #expect(proxy.waitForLog("to=slow"))
        let client = try TestClient(port: port)
        try client.send("work\n")
        #expect(eventually { slow.requests == 1 })  // the request is with the server now
        proxy.process.signal(stop)
        #expect(proxy.waitForLog("msg=\"shutting down\""))
        #expect(proxy.process.stderr.contains("signal=\(stop == SIGTERM ? "SIGTERM" : "SIGINT")"))
        // New connections are refused once the listener is closed.
        #expect(eventually(timeout: 5) { (try? TestClient(port: port, timeoutSeconds: 1)) == nil })
        #expect(client.readLine() == "done")  // the in-flight reply still arrives
        #expect(proxy.process.wait(timeout: 10) == 0)
        #expect(proxy.process.stderr.contains("msg=stopped"))
    }

    @Test func sighupReloadKeepsATransferInFlightAndAddsAServer() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        let secondary = DemoServer(name: "secondary", kind: .tcp)
        try primary.start()
        try secondary.start()
        defer { primary.stop(); secondary.stop() }
        let proxy = try RunningProxy(config: Self.config(servers: [("primary", primary.port)]))
        let port = try proxy.port(role: "r")
        #expect(proxy.waitForLog("to=primary"))

        let client = try TestClient(port: port, timeoutSeconds: 60)
        #expect(client.readLine() == "primary")
        let newConfig = Self.config(servers: [("primary", primary.port), ("secondary", secondary.port)])
        let result = BulkEcho.run(client, bytes: 256 << 20) {
            try? proxy.rewriteConfig(newConfig)
            proxy.process.signal(SIGHUP)
        }
        #expect(result.sent == 256 << 20)
        #expect(result.received == 256 << 20)
        #expect(result.sentChecksum == result.receivedChecksum)
        #expect(proxy.waitForLog("msg=reloaded"))
        #expect(proxy.waitForLog("server=secondary state=up"))
        // The unchanged primary kept its health: no new verdict (unknown -> up) after the reload.
        #expect(proxy.logCount("server=primary state=up") == 1)

        primary.stop()  // the role fails over to the server the reload added
        #expect(proxy.waitForLog("to=secondary"))
        let after = try TestClient(port: port)
        #expect(after.readLine() == "secondary")
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 10) == 0)
    }

    @Test func sighupWithAnInvalidConfigKeepsTheRunningOne() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try RunningProxy(config: Self.config(servers: [("primary", primary.port)]))
        let port = try proxy.port(role: "r")
        #expect(proxy.waitForLog("to=primary"))
        try proxy.rewriteConfig("role r {\n    listen 127.0.0.1:0;\n    mode udp;\n}\n")
        proxy.process.signal(SIGHUP)
        #expect(proxy.waitForLog("reload rejected"))
        #expect(proxy.process.stderr.contains("proxy.conf:3:10: error: invalid value 'udp' for 'mode'"))
        let client = try TestClient(port: port)
        #expect(client.readLine() == "primary")
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 10) == 0)
    }
}

/// Reads a line from each connection, waits `delay`, answers "done" and closes.
/// Connections that send nothing (health checks) are closed when the peer closes.
final class SlowReplyServer: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let received = Mutex(0)
    /// Requests (lines) received so far.
    var requests: Int { received.withLock { $0 } }

    init(delay: TimeInterval) throws {
        let (fd, bound) = try BlockingSocket.listen(port: 0)
        listenFD = fd
        port = bound
        Thread {
            while true {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }
                Thread {
                    var byte: UInt8 = 0
                    while recv(conn, &byte, 1, 0) == 1 {
                        if byte == 10 {
                            self.received.withLock { $0 += 1 }
                            Thread.sleep(forTimeInterval: delay)
                            _ = "done\n".withCString { send(conn, $0, 5, Int32(MSG_NOSIGNAL)) }
                            break
                        }
                    }
                    close(conn)
                }.start()
            }
        }.start()
    }

    func stop() { shutdown(listenFD, Int32(SHUT_RDWR)); close(listenFD) }
}
