import EventLoop
import HTTP1
import ProxyConfig

/// Subscribes to a Server-Sent Events feed (`events URL [URL…]`, http or https) on one loop and
/// reports what arrives: connected (a `200` head, with the URL), each event, and disconnections.
/// Reconnects forever with jittered exponential backoff (from the feed's `retry:` if it set
/// one, at most 10 s), to the next URL in turn each time one is lost or refuses, sending
/// `Last-Event-ID` so the feed — whichever URL serves it — can replay what was missed.
final class EventFeedClient: @unchecked Sendable {  // confined to loop.queue
    struct Handler: Sendable {
        var connected: @Sendable (HTTPURL) -> Void
        var disconnected: @Sendable (_ reason: String) -> Void
        var event: @Sendable (SSEParser.Event) -> Void
    }

    /// One URL of the feed, resolved.
    struct Target: Sendable {
        let url: HTTPURL
        let address: SocketAddress
        /// Set for an `https` URL.
        let tls: UpstreamTLS?
    }

    private let targets: [Target]
    /// The URL tried now (or connected).
    private var index = 0
    private var url: HTTPURL { targets[index].url }
    private let loop: EventLoop
    private let connectTimeout: Duration
    private let handler: Handler
    private var connection: StreamConnection?
    private var attempt: UpstreamConnect?
    private var reconnectTimer: TimerHandle?
    private var response = HTTPResponseReader(method: .get)
    private var sse = SSEParser()
    private var streaming = false
    private var stopped = false
    private var failures = 0
    private(set) var lastEventID: String?

    init(targets: [Target], loop: EventLoop, connectTimeout: Duration, handler: Handler) {
        precondition(!targets.isEmpty)
        self.targets = targets
        self.loop = loop
        self.connectTimeout = connectTimeout
        self.handler = handler
    }

    func start() { loop.execute { self.connect() } }

    func stop() {
        loop.execute { [self] in
            stopped = true
            reconnectTimer?.cancel()
            attempt?.cancel()
            connection?.close()
        }
    }

    private func connect() {
        guard !stopped else { return }
        let target = targets[index]
        attempt = UpstreamConnect.start(to: target.address, tls: target.tls, on: loop, timeout: connectTimeout) { [self] result in
            attempt = nil
            switch result {
            case .success(let stream): subscribe(over: stream)
            case .failure(let error): lost("\(error)")
            }
        }
    }

    private func subscribe(over stream: any ByteStream) {
        guard !stopped else { stream.close(); return }
        let connection = StreamConnection(stream: stream, loop: loop)
        self.connection = connection
        response = HTTPResponseReader(method: .get)
        sse = SSEParser()
        connection.start(onReadable: { [self] in readable() })
        var request = "GET \(url.path) HTTP/1.1\r\nHost: \(url.address)\r\nAccept: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\nUser-Agent: failover-proxy-feed\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        request += "\r\n"
        if case .written(let n) = connection.write(Array(request.utf8)), n == request.utf8.count { return }
        lost("could not send the subscription request")
    }

    private func readable() {
        guard let connection else { return }
        switch connection.readAvailable({ received($0) }) {
        case .wouldBlock, .stopped: return
        case .eof: lost("the feed closed the connection")
        case .error(let error): lost("\(error)")
        }
    }

    /// False once the connection was given up.
    private func received(_ bytes: ArraySlice<UInt8>) -> Bool {
        let progress: HTTPResponseReader.Progress
        do {
            progress = try response.consume(bytes)
        } catch {
            lost("\(error)")
            return false
        }
        if let head = progress.head {
            guard head.status == 200 else { lost("the feed answered \(head.status)"); return false }
            guard head.framing != .none else { lost("the feed answered without a body"); return false }
            streaming = true
            failures = 0
            handler.connected(url)
        }
        guard streaming else { return true }
        for event in sse.consume(progress.data) {
            if let id = event.id { lastEventID = id }
            handler.event(event)
        }
        if let id = sse.lastEventID { lastEventID = id }
        return true
    }

    private func lost(_ reason: String) {
        connection?.close()
        connection = nil
        let wasStreaming = streaming
        streaming = false
        guard !stopped else { return }
        if wasStreaming { handler.disconnected(reason) }
        index = (index + 1) % targets.count  // the next URL (the same one when there is one)
        failures += 1
        let delay = Self.backoff(failures: failures, retryMilliseconds: sse.retryMilliseconds)
        reconnectTimer = loop.scheduleTimer(after: delay) { [self] in connect() }
        if !wasStreaming && failures == 1 { handler.disconnected(reason) }
    }

    /// Exponential from 100 ms (or the feed's `retry:`), capped at 10 s, with jitter in [d/2, d].
    static func backoff(failures: Int, retryMilliseconds: Int?) -> Duration {
        let base = Double(retryMilliseconds ?? 100)
        let exponential = min(10_000, base * Double(1 << min(failures - 1, 16)))
        return .milliseconds(Int(exponential * Double.random(in: 0.5...1.0)))
    }
}
