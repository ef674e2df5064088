import Admin
import DemoBackends
import Dispatch
import Foundation
import Glibc
import Logging
import Proxy
import ProxyConfig

/// An in-process proxy with one role `web` (tcp, HTTP health checks on /health every
/// 100 ms, rise 1 / fall 1) over demo servers on ephemeral ports, and its admin server on
/// 127.0.0.1:0. `stop()` stops everything it started.
final class AdminHarness: @unchecked Sendable {  // set up in init, then read-only
    let backends: [DemoServer]
    let proxy: ProxyServer
    let admin: AdminServer
    let stateFile: StateFile?
    var port: UInt16 { admin.address!.port }
    private let ownsBackends: Bool

    init(servers: [String] = ["primary", "secondary"], failback: Bool = false, token: String? = nil,
         statePath: String? = nil, reuse backends: [DemoServer]? = nil, eventStreamBacklog: Int? = nil) throws {
        if let backends {
            self.backends = backends
            ownsBackends = false
        } else {
            self.backends = try servers.map { name in
                let server = DemoServer(name: name, kind: .http)
                try server.start()
                return server
            }
            ownsBackends = true
        }
        var tokenFile: String?
        if let token {
            tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("admin-token-\(UUID().uuidString)").path
            try "  \(token)\n".write(toFile: tokenFile!, atomically: true, encoding: .utf8)
        }
        let role = RoleConfig(
            name: "web", listeners: [ListenerConfig(address: Endpoint(host: "127.0.0.1", port: 0))], mode: .tcp,
            failback: failback, drainTimeout: .seconds(1),
            health: HealthConfig(path: "/health", interval: .milliseconds(100), timeout: .seconds(1), rise: 1, fall: 1),
            servers: self.backends.map { ServerConfig(name: $0.name, address: Endpoint(host: "127.0.0.1", port: $0.port)) })
        let configuration = ProxyConfiguration(
            admin: AdminConfig(listen: Endpoint(host: "127.0.0.1", port: 0), tokenFile: tokenFile),
            stateFile: statePath, workers: .count(1), roles: [role])
        let logger = Logger(label: "admin-tests", factory: { _ in SwiftLogNoOpLogHandler() })
        stateFile = statePath.map { StateFile(path: $0, configuration: configuration, logger: logger) }
        let saved = try stateFile?.load()
        proxy = try ProxyServer(configuration: saved?.effectiveConfiguration(configuration) ?? configuration,
                                logger: logger, snapshots: saved?.snapshots ?? [:])
        stateFile?.attach(to: proxy)
        // nil: the admin server's own default, so tests of that default test the product's value.
        let (adminConfig, proxy, stateFile) = (configuration.admin!, self.proxy, self.stateFile)
        if let eventStreamBacklog {
            admin = try AdminServer(configuration: adminConfig, proxy: proxy, stateFile: stateFile, logger: logger,
                                    eventStreamBacklog: eventStreamBacklog)
        } else {
            admin = try AdminServer(configuration: adminConfig, proxy: proxy, stateFile: stateFile, logger: logger)
        }
        try admin.start()
        try proxy.start()
        if let tokenFile { try? FileManager.default.removeItem(atPath: tokenFile) }
    }

    func backend(_ name: String) -> DemoServer { backends.first { $0.name == name }! }

    func stop() {
        let done = DispatchSemaphore(value: 0)
        admin.stop()
        proxy.shutdown(timeout: .zero) { done.signal() }
        _ = done.wait(timeout: .now() + 5)
        if ownsBackends { for backend in backends { backend.stop() } }
    }

    var active: String? { proxy.activeServers()["web"] ?? nil }

    /// Waits (bounded) until the role is hosted by `server`.
    func waitForActive(_ server: String, seconds: Double = 10) -> Bool {
        eventually(seconds: seconds) { active == server }
    }

    /// Waits (bounded) until every server is `up` as the API reports it.
    func waitForAllUp(seconds: Double = 10) -> Bool {
        eventually(seconds: seconds) {
            guard let role = try? get("/api/roles/web").json(), let servers = role["servers"] as? [[String: Any]] else { return false }
            return servers.allSatisfy { $0["state"] as? String == "up" }
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPReply {
        try HTTPReply.request("GET", port: port, path: path, headers: headers)
    }

    func call(_ method: String, _ path: String, _ body: String? = nil, token: String? = nil) throws -> HTTPReply {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try HTTPReply.request(method, port: port, path: path, body: body, headers: headers)
    }
}

/// Polls `condition` every 20 ms for at most `seconds`.
func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A blocking loopback client socket with a receive timeout, closed by `close()`.
struct ClientSocket {
    let fd: Int32

    /// `receiveBuffer` is set before connecting, so the window the peer sees stays that small.
    init(port: UInt16, receiveTimeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { Glibc.close(fd); throw TestError("connect to \(port) failed") }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int(receiveTimeout.truncatingRemainder(dividingBy: 1) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed") }
            offset += n
        }
    }

    /// Some bytes; empty at EOF; nil on timeout or error.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { return nil }
        return Array(buffer[0..<n])
    }

    func close() { Glibc.close(fd) }
}

/// One HTTP response read until the server closes (requests say `Connection: close`).
struct HTTPReply {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestError("not a JSON object: \(text)")
        }
        return object
    }

    var error: String? { (try? json())?["error"] as? String }

    static func request(_ method: String, port: UInt16, path: String, body: String? = nil,
                        headers: [String: String] = [:]) throws -> HTTPReply {
        try request(method, port: port, path: path, rawBody: body, contentType: body == nil ? nil : "application/json",
                    headers: headers)
    }

    static func request(_ method: String, port: UInt16, path: String, rawBody body: String?, contentType: String?,
                        headers: [String: String] = [:]) throws -> HTTPReply {
        let socket = try ClientSocket(port: port)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
        try socket.send(head + "\r\n" + (body ?? ""))
        var raw: [UInt8] = []
        while true {
            guard let chunk = socket.receive() else { throw TestError("timed out reading \(method) \(path)") }
            if chunk.isEmpty { break }
            raw += chunk
        }
        return try parse(raw)
    }

    static func parse(_ raw: [UInt8]) throws -> HTTPReply {
        let text = String(decoding: raw, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestError("no response head in \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestError("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let headLength = text[..<split.upperBound].utf8.count
        return HTTPReply(status: status, headers: headers, body: Array(raw[headLength...]))
    }
}

/// A `/events` subscriber reading frames as they come.
final class EventStreamClient {
    struct Event: Equatable {
        let id: UInt64?
        let type: String
        let data: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
        static func == (a: Event, b: Event) -> Bool { a.id == b.id && a.type == b.type && a.data == b.data }
    }

    private let socket: ClientSocket
    private var buffer = ""
    private(set) var events: [Event] = []
    private(set) var comments: [String] = []
    private(set) var responseHead = ""
    /// Bytes of the event frames parsed so far (what the server sent after the head).
    private(set) var frameBytes = 0

    init(port: UInt16, lastEventID: UInt64? = nil, path: String = "/events") throws {
        socket = try ClientSocket(port: port, receiveTimeout: 0.2)
        var head = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        if let lastEventID { head += "Last-Event-ID: \(lastEventID)\r\n" }
        try socket.send(head + "\r\n")
    }

    deinit { socket.close() }

    /// Reads until an event satisfies `match` or `seconds` pass.
    func waitFor(seconds: Double = 10, _ match: (Event) -> Bool) -> Event? {
        let deadline = Date().addingTimeInterval(seconds)
        var checked = 0
        while true {
            while checked < events.count {
                if match(events[checked]) { return events[checked] }
                checked += 1
            }
            guard Date() < deadline else { return nil }
            guard let chunk = socket.receive() else { continue }  // receive timeout: poll again
            if chunk.isEmpty { return nil }
            buffer += String(decoding: chunk, as: UTF8.self)
            parseFrames()
        }
    }

    private func parseFrames() {
        if responseHead.isEmpty, let end = buffer.range(of: "\r\n\r\n") {
            responseHead = String(buffer[..<end.lowerBound])
            buffer = String(buffer[end.upperBound...])
        }
        guard !responseHead.isEmpty else { return }
        while let end = buffer.range(of: "\n\n") {
            let frame = buffer[..<end.lowerBound]
            frameBytes += frame.utf8.count + 2
            buffer = String(buffer[end.upperBound...])
            var id: UInt64?
            var type = "message"
            var data: [String] = []
            for line in frame.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(":") { comments.append(String(line.dropFirst())); continue }
                if line.hasPrefix("id: ") { id = UInt64(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            if !data.isEmpty { events.append(Event(id: id, type: type, data: data.joined(separator: "\n"))) }
        }
    }
}
