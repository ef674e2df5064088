import EventLoop
import HTTP1

/// One client of the admin listener, on the loop that accepted it: reads requests with
/// HTTP1's parser, answers them one at a time (keep-alive), and may turn into an event
/// stream. Output the socket cannot take yet waits in `pending`; an event stream whose
/// `pending` grows past the router's `streamBacklog` is a slow subscriber and is dropped.
final class AdminConnection: EventStreamSubscriber, @unchecked Sendable {  // confined to loop.queue
    static let maxBody = 64 * 1024
    static let keepAliveInterval: Duration = .seconds(15)
    static let idleTimeout: Duration = .seconds(120)

    private let connection: StreamConnection
    private let router: AdminRouter
    private var loop: EventLoop { connection.loop }
    private var input: [UInt8] = []
    private var parser = HTTPRequestParser()
    private var pending: [UInt8] = []
    private var busy = false
    /// `100 Continue` went out for the request whose body we wait for.
    private var sentContinue = false
    private var closeWhenFlushed = false
    private var streaming = false
    private var keepAliveTimer: TimerHandle?
    private var idleTimer: TimerHandle?

    init(socket: Socket, loop: EventLoop, router: AdminRouter) {
        connection = StreamConnection(socket: socket, loop: loop)
        self.router = router
    }

    func start() {
        connection.start(onReadable: { [self] in readable() }, onWritable: { [self] in flush() },
                         onClosed: { [self] in closed() })
        armIdleTimer()
    }

    // MARK: reading

    private func readable() {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while !connection.isClosed {
            switch chunk.withUnsafeMutableBytes({ connection.read(into: $0) }) {
            case .bytes(let n):
                if streaming { continue }  // an event stream's client has nothing to say
                input.append(contentsOf: chunk[0..<n])
                if input.count > parser.limits.maxHeadSize + Self.maxBody { return fail(413, "request too large") }
            case .wouldBlock:
                return processInput()
            case .eof:
                processInput()  // a request may have arrived together with the FIN
                if busy || !pending.isEmpty { closeWhenFlushed = true } else { connection.close() }
                return
            case .error:
                connection.close()
                return
            }
        }
    }

    private func processInput() {
        guard !busy, !streaming, !closeWhenFlushed, !input.isEmpty else { return }
        let parsed = input.withUnsafeBytes { buffer -> Result<(AdminRequest, Int)?, AdminRequestFailure> in
            switch parser.parse(buffer) {
            case .needMore:
                return .success(nil)
            case .error(let error):
                parser.reset()
                return .failure(AdminRequestFailure(status: error.status, message: "\(error)"))
            case .complete(let head, let headLength):
                let result = Self.request(head, headLength: headLength, in: buffer)
                if case .success(nil) = result, head.expectsContinue, !sentContinue {
                    sentContinue = true
                    send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                return result
            }
        }
        switch parsed {
        case .failure(let failure):
            fail(failure.status, failure.message)
        case .success(nil):
            break
        case .success(let (request, consumed)?):
            input.removeFirst(consumed)
            sentContinue = false
            busy = true
            idleTimer?.cancel()
            router.handle(request) { [self] response in
                loop.execute { self.respond(response, keepAlive: request.keepAlive) }
            }
        }
    }

    /// The request and how many bytes it took, or nil while its body is incomplete.
    private static func request(_ head: HTTPRequestHead, headLength: Int, in buffer: UnsafeRawBufferPointer)
        -> Result<(AdminRequest, Int)?, AdminRequestFailure>
    {
        let bodyLength: Int
        switch head.framing {
        case .none, .untilClose: bodyLength = 0
        case .contentLength(let n): bodyLength = n
        case .chunked: return .failure(AdminRequestFailure(status: 411, message: "send the body with Content-Length"))
        }
        guard bodyLength <= maxBody else { return .failure(AdminRequestFailure(status: 413, message: "body too large")) }
        guard buffer.count >= headLength + bodyLength else { return .success(nil) }
        let target = head.targetString(in: buffer)
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let request = AdminRequest(
            method: head.method, path: parts.first.map(String.init) ?? "/", query: parts.count > 1 ? String(parts[1]) : "",
            authorization: head.value(forName: "Authorization", in: buffer),
            lastEventID: head.value(forName: "Last-Event-ID", in: buffer),
            contentType: head.value(forName: "Content-Type", in: buffer),
            body: Array(buffer[headLength..<(headLength + bodyLength)]),
            keepAlive: head.keepAlive)
        return .success((request, headLength + bodyLength))
    }

    // MARK: writing

    private func respond(_ response: AdminResponse, keepAlive: Bool) {
        guard !connection.isClosed else { return }
        busy = false
        switch response {
        case .full(let status, let contentType, let body, let extra):
            send(Self.head(status: status, headers: [
                ("Content-Type", contentType), ("Content-Length", "\(body.count)"),
                ("Cache-Control", "no-store"), ("Connection", keepAlive ? "keep-alive" : "close"),
            ] + extra) + body)
            if keepAlive && !closeWhenFlushed {
                armIdleTimer()
                processInput()  // a pipelined request may already be here
            } else {
                closeWhenFlushed = true
                if pending.isEmpty { connection.close() }
            }
        case .eventStream(let lastEventID):
            streaming = true
            input = []
            send(Self.head(status: 200, headers: [
                ("Content-Type", "text/event-stream"), ("Cache-Control", "no-store"),
                ("Connection", "keep-alive"), ("X-Accel-Buffering", "no"),
            ]) + Array("retry: 2000\n: connected\n\n".utf8))
            router.hub.subscribe(self, after: lastEventID)
            scheduleKeepAlive()
        }
    }

    private func fail(_ status: Int, _ message: String) {
        busy = true  // no more requests on this connection
        respond(.error(status, message), keepAlive: false)
    }

    private func send(_ bytes: [UInt8]) {
        guard !connection.isClosed else { return }
        if !pending.isEmpty {
            pending.append(contentsOf: bytes)
            return
        }
        switch connection.write(bytes) {
        case .written(let n): if n < bytes.count { pending = Array(bytes[n...]) }
        case .wouldBlock: pending = bytes
        case .error: connection.close()
        }
    }

    private func flush() {
        guard !pending.isEmpty, !connection.isClosed else { return }
        switch connection.write(pending) {
        case .written(let n): pending.removeFirst(n)
        case .wouldBlock: break
        case .error: return connection.close()
        }
        if pending.isEmpty && closeWhenFlushed { connection.close() }
    }

    static func head(status: Int, headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(StatusText.reason(status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    // MARK: event stream

    /// From the hub, on any thread: hop to the loop, and drop this subscriber when its
    /// backlog says the client is not reading.
    func deliver(_ frame: [UInt8]) {
        loop.execute { [self] in
            guard streaming, !connection.isClosed else { return }
            if pending.count + frame.count > router.streamBacklog {
                router.hub.unsubscribe(self)
                connection.close()
                return
            }
            send(frame)
        }
    }

    private func scheduleKeepAlive() {
        keepAliveTimer = loop.scheduleTimer(after: Self.keepAliveInterval) { [weak self] in
            guard let self, !self.connection.isClosed else { return }
            self.send(Array(": keep-alive\n\n".utf8))
            self.scheduleKeepAlive()
        }
    }

    private func armIdleTimer() {
        idleTimer?.cancel()
        idleTimer = loop.scheduleTimer(after: Self.idleTimeout) { [weak self] in
            guard let self, !self.busy, !self.streaming, !self.connection.isClosed else { return }
            self.connection.close()
        }
    }

    private func closed() {
        keepAliveTimer?.cancel()
        idleTimer?.cancel()
        if streaming { router.hub.unsubscribe(self) }
        pending = []
    }
}

struct AdminRequestFailure: Error {
    let status: Int
    let message: String
}
