import DemoBackends
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The systemd notify protocol on the real executable: the test owns the datagram socket
/// that NOTIFY_SOCKET names and reads what arrives.
@Suite(.serialized) struct SystemdNotifyTests {
    /// A unix datagram socket bound to a fresh path; closed and unlinked at the end.
    final class NotifySocket {
        let path: String
        let fd: Int32
        private(set) var messages: [String] = []

        init(directory: URL) throws {
            path = directory.appendingPathComponent("notify.sock").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { close(fd); throw TestFailure("bind \(path): \(errno)") }
            var tv = timeval(tv_sec: 0, tv_usec: 100_000)  // each receive waits at most 100 ms
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            unlink(path)
        }

        /// Receives until a message satisfies `condition` (bounded by `timeout`); the
        /// messages received so far are kept in order in `messages`.
        func wait(timeout: TimeInterval = 10, for condition: (String) -> Bool) -> String? {
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { continue }
                let message = String(decoding: buffer[0..<n], as: UTF8.self)
                messages.append(message)
                if condition(message) { return message }
            }
            return nil
        }

        /// The messages received so far whose fields include `field`.
        func count(_ field: String) -> Int { messages.filter { $0.split(separator: "\n").contains { $0 == field } }.count }
    }

    static func fields(_ message: String) -> [Substring] { message.split(separator: "\n") }

    @Test func readyReloadingWatchdogStatusAndStoppingArrive() throws {
        let primary = DemoServer(name: "primary", kind: .tcp)
        try primary.start()
        defer { primary.stop() }
        let scratch = try TemporaryDirectory()
        let notify = try NotifySocket(directory: scratch.url)
        let config = """
            admin { listen 127.0.0.1:0; }
            role r {
                listen 127.0.0.1:0;
                mode tcp;
                health { interval 200ms; timeout 300ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(primary.port);
            }

            """
        let proxy = try RunningProxy(config: config, environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"])
        defer { _ = proxy.process.wait(timeout: 0) }

        // READY=1 comes once every listener is bound: the role's port accepts at once.
        let ready = try #require(notify.wait { Self.fields($0).contains("READY=1") }, "\(proxy.process.stderr)")
        #expect(Self.fields(ready).contains { $0.hasPrefix("STATUS=r=") }, "\(ready)")
        // The log line was written before READY=1, but the test reads stderr through a pipe
        // of its own, which may lag behind the datagram.
        #expect(proxy.waitForLog("msg=\"admin listening\"", timeout: 5), "\(proxy.process.stderr)")
        let port = try proxy.port(role: "r", timeout: 1)
        #expect((try? TestClient(port: port, timeoutSeconds: 5))?.readLine() == "primary")

        // The status names the active server: in READY=1 already, or in a later STATUS=.
        #expect(notify.messages.contains { $0.contains("STATUS=r=primary") } || notify.wait { $0.contains("STATUS=r=primary") } != nil,
                "\(notify.messages)")
        // Every half WATCHDOG_USEC: a few arrive within a couple of seconds.
        #expect(notify.wait { _ in notify.count("WATCHDOG=1") >= 3 } != nil, "\(notify.messages)")

        proxy.process.signal(SIGHUP)
        let reloading = try #require(notify.wait { Self.fields($0).contains("RELOADING=1") }, "\(notify.messages)")
        #expect(Self.fields(reloading).contains { $0.hasPrefix("MONOTONIC_USEC=") })
        #expect(notify.wait { Self.fields($0).contains("READY=1") } != nil, "\(notify.messages)")
        #expect(proxy.waitForLog("msg=reloaded"))

        proxy.process.signal(SIGTERM)
        #expect(notify.wait { Self.fields($0).contains("STOPPING=1") } != nil, "\(notify.messages)")
        #expect(proxy.process.wait(timeout: 10) == 0)
    }
}
