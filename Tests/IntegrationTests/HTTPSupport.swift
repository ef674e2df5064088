import DemoBackends
import EventLoop
import Foundation
import Synchronization
import Glibc
import Logging
import Proxy
import ProxyConfig

/// An in-process `mode http` proxy over recording backends on ephemeral ports.
/// `stop()` (also on deinit) shuts down the proxy and every backend.
final class HTTPProxyFixture: @unchecked Sendable {  // used from one test at a time
    let proxy: ProxyServer
    /// What the proxy was started with (a test may reload a changed copy).
    let configuration: ProxyConfiguration
    let backends: [RecordingHTTPServer]
    let port: UInt16
    private var stopped = false

    init(servers: [String] = ["primary"], loops: Int = 2, accessLog: String? = nil, maxConnections: MaxConnections = .auto,
         configure: (inout RoleConfig) -> Void = { _ in }) throws {
        backends = servers.map { RecordingHTTPServer(name: $0) }
        for b in backends { try b.start() }
        var role = RoleConfig(
            name: "web", listeners: [ListenerConfig(address: Endpoint(host: "127.0.0.1", port: 0))], mode: .http,
            hold: .seconds(5), connectTimeout: .seconds(1),
            health: HealthConfig(path: "/health", interval: .milliseconds(200), timeout: .milliseconds(300), rise: 1, fall: 1),
            servers: backends.map { ServerConfig(name: $0.name, address: Endpoint(host: "127.0.0.1", port: $0.port)) })
        configure(&role)
        let logger = Logger(label: "http-test") { _ in SwiftLogNoOpLogHandler() }
        configuration = ProxyConfiguration(accessLog: accessLog.map { .file($0) }, workers: .count(loops), roles: [role],
                                           maxConnections: maxConnections)
        proxy = try ProxyServer(configuration: configuration, logger: logger,
                                group: EventLoopGroup(count: loops))
        try proxy.start()
        port = proxy.boundAddresses(role: "web")[0].port
        guard waitUntil({ self.proxy.activeServers()["web"] == .some(servers.first) }) else {
            stop()
            throw HTTPTestError("no active server")
        }
    }

    deinit { stop() }

    func backend(_ name: String) -> RecordingHTTPServer { backends.first { $0.name == name }! }

    /// Requests the backend saw, health checks excluded.
    func requests(_ name: String = "primary") -> [RecordingHTTPServer.Request] { backend(name).requests }

    func client(timeoutSeconds: Int = 10) throws -> HTTPTestClient { try HTTPTestClient(port: port, timeoutSeconds: timeoutSeconds) }

    func stop() {
        guard !stopped else { return }
        stopped = true
        proxy.shutdownAndWait()
        for b in backends { b.stop() }
    }
}

struct HTTPTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 20 ms for up to `timeout` seconds.
func waitUntil(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A response as a client saw it.
struct TestResponse {
    let status: Int
    let head: String
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> [String] {
        head.split(separator: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
}

/// How a read that waits for the peer to close ended.
enum ReadEnd: Equatable, CustomStringConvertible {
    /// EOF or connection reset, after these bytes.
    case closedByPeer(after: [UInt8])
    /// The receive timeout passed with the connection still open.
    case timedOut
    case failed(errno: Int32)

    /// From a `recv` that returned `n <= 0` and the `errno` it left.
    init(recvResult n: Int, errno: Int32) {
        if n == 0 || errno == ECONNRESET { self = .closedByPeer(after: []) }
        else if errno == EAGAIN || errno == EWOULDBLOCK { self = .timedOut }
        else { self = .failed(errno: errno) }
    }

    var description: String {
        switch self {
        case .closedByPeer(let bytes): "closed by peer after \(bytes.count) bytes \(String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription)"
        case .timedOut: "timed out (still open)"
        case .failed(let errno): "recv failed: errno \(errno)"
        }
    }
}

/// A blocking loopback HTTP client on a raw socket: sends exactly the bytes a test gives
/// it and reads responses (Content-Length, chunked, or until close) with a receive timeout.
final class HTTPTestClient {
    let fd: Int32
    private var pending: [UInt8] = []

    init(port: UInt16, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPTestError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw HTTPTestError("connect failed: \(errno)") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { send($0) } }

    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// After the peer's EOF: sends `text` until the peer answers with a reset (a later send
    /// fails), which only a closed socket does; one still reading takes the bytes. At most
    /// 100 sends 10 ms apart. (A reset after a FIN does not show in `recv`, which keeps
    /// returning EOF.)
    func sendingIsReset(_ text: String) -> Bool {
        for _ in 0..<100 {
            let sent = text.utf8CString.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
            if sent < 0 { return errno == EPIPE || errno == ECONNRESET }
            usleep(10_000)
        }
        return false
    }

    /// How one read ended when it brought no bytes.
    private var lastEnd: ReadEnd = .closedByPeer(after: [])

    /// Reads once into `pending`; false on EOF, reset, error or timeout (`lastEnd` says which).
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            lastEnd = ReadEnd(recvResult: n, errno: errno)
            return false
        }
    }

    /// Reads some bytes (at most `max`), nil on EOF/timeout (a close is asserted with `readUntilClosed`).
    func readSome(max: Int = 65536) -> [UInt8]? {
        if pending.isEmpty && !fill() { return nil }
        let n = min(max, pending.count)
        defer { pending.removeFirst(n) }
        return Array(pending[0..<n])
    }

    /// Reads until the peer closes (EOF or reset) or the receive timeout passes: a close
    /// comes back as `.closedByPeer(after:)` with the bytes that came before it, a timeout
    /// as `.timedOut`, so a test asserting a close fails when the connection stays open.
    func readUntilClosed() -> ReadEnd {
        for _ in 0..<100_000 { guard fill() else { break } }
        let bytes = pending
        pending = []
        if case .closedByPeer = lastEnd { return .closedByPeer(after: bytes) }
        return lastEnd
    }

    private func find(_ needle: [UInt8], from: Int = 0) -> Int? {
        guard pending.count >= needle.count + from else { return nil }
        var i = from
        while i + needle.count <= pending.count {
            if pending[i] == needle[0] && Array(pending[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    func readHead() -> String? {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: pending[0..<(end + 4)], as: UTF8.self)
                pending.removeFirst(end + 4)
                return head
            }
            guard fill() else { return nil }
        }
    }

    /// Reads one response. `bodySink` receives body bytes instead of collecting them (big bodies).
    func readResponse(method: String = "GET", bodySink: ((UnsafeRawBufferPointer) -> Void)? = nil) -> TestResponse? {
        guard let head = readHead() else { return nil }
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let response = TestResponse(status: status, head: head, body: [])
        if (100..<200).contains(status) && status != 101 { return response }
        if status == 101 || status == 204 || status == 304 || method == "HEAD" { return response }
        var body: [UInt8] = []
        let take: (Int) -> Void = { n in
            if let bodySink { self.pending.withUnsafeBytes { bodySink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
            else { body.append(contentsOf: self.pending[0..<n]) }
            self.pending.removeFirst(n)
        }
        if let length = response.header("content-length").first.flatMap({ Int($0) }) {
            var left = length
            while left > 0 {
                if pending.isEmpty && !fill() { return nil }
                let n = min(left, pending.count)
                take(n)
                left -= n
            }
        } else if response.header("transfer-encoding").first?.lowercased() == "chunked" {
            // Raw chunked framing is kept in the body so tests can check it arrived intact.
            while true {
                guard let sizeEnd = lineEnd() else { return nil }
                let line = String(decoding: pending[0..<sizeEnd], as: UTF8.self)
                take(sizeEnd + 2)
                guard let size = Int(line.split(separator: ";").first ?? "", radix: 16) else { return nil }
                if size == 0 {
                    while true {
                        guard let end = lineEnd() else { return nil }
                        take(end + 2)
                        if end == 0 { return TestResponse(status: status, head: head, body: body) }
                    }
                }
                while pending.count < size + 2 { guard fill() else { return nil } }
                take(size + 2)
            }
        } else {
            // Delimited by close: a timeout is not the end of the body.
            guard case .closedByPeer(after: let rest) = readUntilClosed() else { return nil }
            pending = rest
            take(pending.count)
        }
        return TestResponse(status: status, head: head, body: body)
    }

    private func lineEnd() -> Int? {
        while true {
            if let at = find([13, 10]) { return at }
            guard fill() else { return nil }
        }
    }

    /// Sends a GET and reads its response.
    func get(_ target: String, headers: String = "") -> TestResponse? {
        guard send("GET \(target) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n") else { return nil }
        return readResponse()
    }
}

/// Keep-alive clients running a bounded loop of GETs in the background (a new connection
/// after a failure or `Connection: close`); counts answers by server and failures.
final class GETLoad: @unchecked Sendable {  // counters behind Mutex/Atomic
    let answered = Atomic<Int>(0)
    private let failedList = Mutex<[String]>([])
    private let servedByCounts = Mutex<[String: Int]>([:])
    private let group = DispatchGroup()

    /// `target(client, i)` is the path of request `i` of client `client`.
    init(port: UInt16, clients: Int, perClient: Int, target: @escaping @Sendable (Int, Int) -> String) {
        for c in 0..<clients {
            group.enter()
            Thread { [self] in
                defer { group.leave() }
                var client: HTTPTestClient? = nil
                for i in 0..<perClient {
                    do {
                        if client == nil { client = try HTTPTestClient(port: port, timeoutSeconds: 15) }
                        guard let response = client!.get(target(c, i)) else {
                            failedList.withLock { $0.append("c\(c) i\(i): no response") }
                            client = nil
                            continue
                        }
                        if response.status == 200 {
                            answered.add(1, ordering: .relaxed)
                            let server = response.header("x-served-by").first ?? "?"
                            servedByCounts.withLock { $0[server, default: 0] += 1 }
                        } else {
                            failedList.withLock { $0.append("c\(c) i\(i): \(response.status)") }
                        }
                        if response.header("connection") == ["close"] { client = nil }
                    } catch {
                        failedList.withLock { $0.append("c\(c) i\(i): \(error)") }
                        client = nil
                    }
                }
            }.start()
        }
    }

    /// Waits for every client to finish its loop (bounded).
    func wait(timeout: TimeInterval) -> Bool { group.wait(timeout: .now() + timeout) == .success }
    var failures: [String] { failedList.withLock { $0 } }
    var servedBy: [String: Int] { servedByCounts.withLock { $0 } }
}
