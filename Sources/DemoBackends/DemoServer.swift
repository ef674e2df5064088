#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A backend that stands in for one server of a role: in `demo`, and in integration tests.
///
/// - `.http`: answers every request with its own name (`served by NAME`), keep-alive;
///   `GET /health` answers 200, or 503 while `healthy` is false.
/// - `.tcp`: greets each connection with `NAME\n`, then echoes every byte back; EOF from the
///   client half-closes the reply side after the echo has been written.
///
/// `stop()` is a crash as the proxy sees it: the listener closes (connects are refused) and
/// every open connection is reset. `start()` brings the server back on the same port.
public final class DemoServer: Sendable {
    public enum Kind: Sendable { case http, tcp }

    public let name: String
    public let kind: Kind
    private let host: String
    private let state: Mutex<State>

    private struct State {
        var port: UInt16
        var listenFD: Int32 = -1
        var connections: Set<Int32> = []
        var healthy = true
        var requests = 0
        var healthChecks = 0
        var lastRequestHead: String = ""
    }

    public init(name: String, kind: Kind, host: String = "127.0.0.1", port: UInt16 = 0) {
        self.name = name
        self.kind = kind
        self.host = host
        self.state = Mutex(State(port: port))
    }

    deinit { stop() }

    /// The bound port (the ephemeral one after the first `start()` with port 0).
    public var port: UInt16 { state.withLock { $0.port } }
    public var isRunning: Bool { state.withLock { $0.listenFD >= 0 } }
    /// Requests (http) or connections (tcp) served, health checks excluded.
    public var served: Int { state.withLock { $0.requests } }
    public var healthChecks: Int { state.withLock { $0.healthChecks } }
    /// The last non-health request head received, verbatim (http only).
    public var lastRequestHead: String { state.withLock { $0.lastRequestHead } }
    public var healthy: Bool {
        get { state.withLock { $0.healthy } }
        set { state.withLock { $0.healthy = newValue } }
    }

    public func start() throws {
        let requested = port
        let (fd, bound) = try BlockingSocket.listen(host: host, port: requested)
        state.withLock { $0.listenFD = fd; $0.port = bound }
        DetachedThread.start(stackSize: 256 * 1024) { [self] in acceptLoop(fd) }
    }

    /// Closes the listener and resets every open connection, as a crashed process would.
    public func stop() {
        let (listener, open) = state.withLock { s -> (Int32, Set<Int32>) in
            let r = (s.listenFD, s.connections)
            s.listenFD = -1
            s.connections = []
            return r
        }
        BlockingSocket.crash(listener: listener, connections: open)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // listener shut down
            }
            let admitted = state.withLock { s -> Bool in
                guard s.listenFD == listener else { return false }
                s.connections.insert(fd)
                return true
            }
            guard admitted else { close(fd); return }
            DetachedThread.start(stackSize: 256 * 1024) { [self] in
                switch kind {
                case .http: serveHTTP(fd)
                case .tcp: serveTCP(fd)
                }
                state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
            }
        }
    }

    private func serveTCP(_ fd: Int32) {
        state.withLock { $0.requests += 1 }
        guard BlockingSocket.writeAll(fd, Array("\(name)\n".utf8)) else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        while let n = BlockingSocket.readSome(fd, into: buffer) {
            guard BlockingSocket.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<n])) else { return }
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    private func serveHTTP(_ fd: Int32) {
        var reader = HTTPRequestReader(fd: fd)
        while let request = reader.next() {
            let isHealth = request.target == "/health"
            let (status, body): (String, String) = state.withLock { s in
                if isHealth {
                    s.healthChecks += 1
                    return s.healthy ? ("200 OK", "ok\n") : ("503 Service Unavailable", "unhealthy\n")
                }
                s.requests += 1
                s.lastRequestHead = request.head
                return ("200 OK", "served by \(name)\n")
            }
            let close = request.wantsClose
            let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
                + "X-Served-By: \(name)\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n"
                + (request.method == "HEAD" ? "" : body)
            guard BlockingSocket.writeAll(fd, Array(response.utf8)), !close else { return }
        }
    }
}
