import EventLoop
import FailoverModel
import ProxyConfig

/// One health check in flight: a TCP connect, or an HTTP GET of the health path whose
/// status must fall in `expect`; for a `tls` server both over TLS with the role's client
/// settings (a handshake or verification failure fails the check). Everything, connect included, must finish within
/// `timeout`. Runs on one loop; `finish` is called exactly once, on that loop. A probe
/// that could not even open its socket (the proxy out of descriptors) gives no verdict.
final class HealthProbe: @unchecked Sendable {  // confined to loop.queue
    private let loop: EventLoop
    private let server: String
    private let target: ServerTarget
    private let tls: UpstreamTLS?
    private let health: HealthConfig
    private let started: MonotonicInstant
    private var finish: ((ProbeOutcome) -> Void)?
    private var attempt: UpstreamConnect?
    private var connection: StreamConnection?
    private var timer: TimerHandle?
    private var response: [UInt8] = []

    /// Status lines longer than this are garbage, not a slow server.
    private static let maxStatusLine = 1024

    init(loop: EventLoop, server: String, target: ServerTarget, tls: UpstreamTLS?, health: HealthConfig,
         finish: @escaping (ProbeOutcome) -> Void) {
        self.loop = loop
        started = loop.clock.now
        self.server = server
        self.target = target
        self.tls = tls
        self.health = health
        self.finish = finish
    }

    func start() {
        loop.preconditionInEventLoop()
        timer = loop.scheduleTimer(after: health.timeout) { [self] in complete(false, "timeout") }
        attempt = UpstreamConnect.start(to: target.health, tls: tls, on: loop, timeout: health.timeout) { [self] result in
            attempt = nil
            switch result {
            case .success(let stream):
                guard finish != nil else { stream.close(); return }
                if let path = health.path {
                    request(path, over: stream)
                } else {
                    stream.close()
                    complete(true, tls == nil ? "connected" : "TLS handshake done")
                }
            case .failure(.connect(.refused)): complete(false, "connection refused")
            case .failure(.connect(.timedOut)): complete(false, "connect timeout")
            case .failure(.connect(.cancelled)): complete(false, "timeout")
            case .failure(.connect(.failed(let error))): complete(false, error.description)
            case .failure(.connect(.localResource(let error))): noVerdict(error)
            case .failure(.tls(let error)): complete(false, "TLS: \(error.message)")
            }
        }
    }

    private func request(_ path: String, over stream: any ByteStream) {
        let connection = StreamConnection(stream: stream, loop: loop)
        self.connection = connection
        let head = "GET \(path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: failover-proxy-health\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
        connection.start(onReadable: { [self] in readStatus() })
        // A fresh socket's send buffer takes a small request whole; anything else is a failure.
        switch connection.write(Array(head.utf8)) {
        case .written(let n) where n == head.utf8.count: break
        case .error(let error): complete(false, error.description)
        default: complete(false, "could not send the health request")
        }
    }

    private func readStatus() {
        guard let connection, finish != nil else { return }
        var chunk = [UInt8](repeating: 0, count: 2048)
        while true {
            let result = chunk.withUnsafeMutableBytes { connection.read(into: $0) }
            switch result {
            case .bytes(let n):
                response.append(contentsOf: chunk[0..<n])
                if let verdict = Self.statusVerdict(response, expect: health.expect) {
                    complete(verdict.passed, verdict.detail)
                    return
                }
                if response.count > Self.maxStatusLine { complete(false, "malformed status line"); return }
            case .wouldBlock: return
            case .eof: complete(false, "closed before a status line"); return
            case .error(let error): complete(false, error.description); return
            }
        }
    }

    /// `HTTP/1.x NNN …` once the status line is complete; nil while it is not.
    static func statusVerdict(_ bytes: [UInt8], expect: ClosedRange<Int>) -> (passed: Bool, detail: String)? {
        guard let end = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            return (false, "malformed status line")
        }
        return (expect.contains(status), "HTTP \(status)")
    }

    private func complete(_ passed: Bool, _ detail: String) {
        let elapsed = Double((loop.clock.now - started).wholeNanoseconds) / 1_000_000
        end(.verdict(CheckResult(server: server, passed: passed, detail: detail, durationMilliseconds: elapsed, at: WallClock.now())))
    }

    private func noVerdict(_ error: SyscallError) { end(.noVerdict(error)) }

    private func end(_ outcome: ProbeOutcome) {
        guard let finish else { return }
        self.finish = nil
        timer?.cancel()
        attempt?.cancel()
        connection?.close()
        finish(outcome)
    }
}

/// What one probe found: a verdict on the server, or nothing because the proxy's own side
/// could not run the check (a shortage of descriptors or memory: the server is not judged).
enum ProbeOutcome: Sendable {
    case verdict(CheckResult)
    case noVerdict(SyscallError)
}
