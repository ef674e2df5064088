import DemoBackends
import Foundation
import Testing

/// `access-log PATH` in `mode tcp`: one line per session with its server, bytes each way
/// and how it ended; and what `shutdown-timeout` ends.
@Suite(.serialized) struct TCPAccessLogTests {
    static func config(log: String, server: UInt16) -> String {
        """
        access-log \(log);
        role r {
            listen 127.0.0.1:0;
            mode tcp;
            hold 300ms;
            health { interval 200ms; timeout 300ms; rise 1; fall 1; }
            server primary 127.0.0.1:\(server);
        }

        """
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func temporaryLog() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tcp-access-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log").path
    }

    @Test func oneLinePerSessionWithServerBytesAndEnd() throws {
        let path = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.config(log: path, server: primary.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))

        let client = try TestClient(port: proxy.port("r"))
        #expect(client.readLine() == "primary")  // 8 bytes down
        try client.send("hello\n")                // 6 bytes up
        #expect(client.readLine() == "hello")     // 6 more down
        client.shutdownWrite()
        #expect(client.readToEnd() == [])
        #expect(eventually { Self.lines(path).count == 1 })
        let served = try #require(Self.lines(path).first)
        for field in ["access role=r mode=tcp", "client=127.0.0.1:", "server=primary", "bytes_in=6", "bytes_out=14", "end=completed"] {
            #expect(served.contains(field), "\(field) not in: \(served)")
        }

        // No server within `hold`: a line too, with no server and no bytes.
        primary.stop()
        #expect(proxy.waitForActive("r", nil))
        let turnedAway = try TestClient(port: proxy.port("r"))
        #expect(turnedAway.readToEnd() == [])
        #expect(eventually { Self.lines(path).count == 2 })
        let refused = Self.lines(path).last ?? ""
        for field in ["server=-", "bytes_in=0", "bytes_out=0", "end=no-server"] {
            #expect(refused.contains(field), "\(field) not in: \(refused)")
        }
    }

    /// Shutdown lets an open session go on, then the proxy closes it at the timeout.
    @Test func aSessionStillOpenAtTheShutdownTimeoutIsClosedByTheProxy() throws {
        let path = Self.temporaryLog()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let proxy = try ConfiguredProxy(Self.config(log: path, server: primary.port))
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        let client = try TestClient(port: proxy.port("r"))
        #expect(client.readLine() == "primary")
        let finished = DispatchSemaphore(value: 0)
        proxy.proxy.shutdown(timeout: .milliseconds(500)) { finished.signal() }
        try client.send("still served\n")
        #expect(client.readLine() == "still served")  // open sessions go on during shutdown
        #expect(client.waitForClose())                 // false: still open at the read timeout
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(eventually { Self.lines(path).contains { $0.contains("end=closed-by-proxy") } }, "\(Self.lines(path))")
    }
}
