import EventLoop
import ProxyConfig
import HTTP1
import HTTPExchange

/// One `mode http` client connection: the I/O shell of an `HTTPExchange` state machine.
/// The machine decides (routing, retries, keep-alive, deadlines, error responses); this
/// class owns the sockets, buffers and framers, reports what happened on them, and carries
/// out the machine's actions one after another from a queue, so no decision runs inside
/// another.
///
/// Requests are parsed in place in a pooled buffer, forwarded one at a time (pipelined ones
/// wait in the buffer, so answers keep their order) over a pooled keep-alive upstream
/// connection, bodies streamed through the same buffers with backpressure: a side is read
/// only while the other side's output is empty. The large rest of a Content-Length body
/// between two plain sockets goes by splice(2) instead (HTTPSession+Splice).
final class HTTPSession: ProxySession, UpstreamOwner, HeldClient, StreamConnectionOwner {  // confined to plane.loop
    /// Request bodies up to this size travel in the same write as the head, and can be
    /// resent on a retry.
    static let inlineBodyLimit = 16 * 1024
    /// Room reserved, past the received head, for what the proxy writes into a forwarded
    /// head (`X-Forwarded-*`, `Via`, `Connection`, `X-Failover-Epoch`): the head and a small
    /// body after it then take one allocation instead of one per doubling (about seven
    /// per request measured, of fifteen in all).
    static let addedFieldsRoom = 256

    /// Capacity for a forwarded head of `headLength` bytes and the inline body after it.
    static func forwardedCapacity(headLength: Int, buffered: Int) -> Int {
        headLength + addedFieldsRoom + min(max(0, buffered - headLength), inlineBodyLimit)
    }
    /// A Content-Length body with at least this much still unread goes socket → pipe →
    /// socket by splice(2) when both ends are plain sockets (smaller ones are not worth a pipe).
    static let spliceThreshold = 64 * 1024
    static let lingerTime: Duration = .seconds(2)

    let plane: RolePlane
    let state: HTTPPlaneState
    let client: StreamConnection
    // The client's address as host and port: a `SocketAddress` would keep 128 bytes per
    // connection (idle ones included) for the access log's sake.
    let peerPort: UInt16
    let peerHost: String
    /// `X-Forwarded-Proto`: "https" on a `tls` listener.
    let forwardedProto: String
    /// The client's place under `max-connections`: given back when its connection closes.
    let slot: ConnectionSlot?

    var machine: HTTPExchange
    /// Actions not yet carried out, and whether the queue is being worked through.
    /// The queue of actions: the next one inline (most steps queue one), the rest in an
    /// array that exists only while it holds some. An array alone would keep its storage
    /// (80 bytes) for the connection's life, idle included.
    private var nextAction: HTTPExchange.Action?
    private var laterActions: [HTTPExchange.Action] = []
    private var driving = false

    // Client → upstream.
    var inBuf: IOBuffer
    var parser: HTTPRequestParser
    var requestFramer = BodyFramer(.none)
    /// Framed request-body bytes at the front of `inBuf`, not yet written upstream.
    var bodyPendingUp = 0
    /// Content-Length request body bytes not yet framed (still in the kernel); nil: other framing.
    var requestBodyUnread: Int?
    /// The rest of the request body goes client → upstream by splice.
    var splicingUp = false
    var headOut: [UInt8] = []
    var headOutSent = 0
    /// Where `X-Failover-Epoch` goes (or went) in `headOut`; empty until a route set it.
    var epochField = 0..<0

    // Upstream.
    var upstream: UpstreamConnection?
    /// The route of the connection in use or being made.
    var currentRoute: Route?
    var connectAttempt: UpstreamConnect?
    /// Tells a late connect callback from the current one.
    var connectNumber = 0
    var forwarder: TCPForwarder?
    /// The server the tunnel after a 101 goes to.
    var tunnelServer: String?

    // Upstream → client.
    var responseFramer = BodyFramer(.none)
    var respOut: [UInt8] = []
    var respOutSent = 0
    /// Framed response-body bytes at the front of the upstream buffer, not yet written to the client.
    var bodyPendingDown = 0
    /// Content-Length response body bytes not yet framed (still in the kernel); nil: other framing.
    var responseBodyUnread: Int?
    /// The rest of the response body goes upstream → client by splice.
    var splicingDown = false
    /// No pipe could be had (descriptor limit): this exchange copies its bodies.
    var spliceUnavailable = false
    /// `compress on`: the current response body is being gzipped (made on first use).
    var compressing = false
    var compression: ResponseCompression?
    var compressionFacts = ResponseCompression.RequestFacts()

    init(client stream: any ByteStream, peer: SocketAddress, secure: Bool, plane: RolePlane, state: HTTPPlaneState,
         slot: ConnectionSlot? = nil) {
        self.slot = slot
        self.plane = plane
        self.state = state
        peerPort = peer.port
        peerHost = peer.host
        forwardedProto = secure ? "https" : "http"
        client = StreamConnection(stream: stream, loop: plane.loop)
        inBuf = IOBuffer(capacity: state.buffers.bufferSize)
        parser = HTTPRequestParser(limits: HTTPParserLimits(maxHeadSize: plane.config.maxHeadSize, maxHeaders: plane.config.maxHeaders))
        machine = HTTPExchange(settings: Self.settings(plane.config), now: state.now)
    }

    func start() {
        state.add(self)
        state.deadlineSet(machine.deadline)
        client.start(owner: self, readFirst: true)
    }

    /// The machine's settings from the role's configuration (read at each request head: reloads).
    static func settings(_ config: RoleConfig) -> HTTPExchange.Settings {
        HTTPExchange.Settings(headTimeout: nanoseconds(config.headTimeout), idleTimeout: nanoseconds(config.idleTimeout),
                              lingerTime: nanoseconds(lingerTime), compress: config.compress)
    }

    private static func nanoseconds(_ d: Duration) -> UInt64 { UInt64(max(1, d.wholeNanoseconds)) }

    /// The client's address as the access log writes it (`[v6]:port` or `v4:port`).
    var peerDescription: String { peerHost.contains(":") ? "[\(peerHost)]:\(peerPort)" : "\(peerHost):\(peerPort)" }

    /// The session's one clock: the plane's monotonic time, in nanoseconds.
    var now: UInt64 { state.now }

    /// When the machine's deadline runs out; 0: none. Enforced by the plane's ticker.
    var deadline: UInt64 { machine.deadline }

    // MARK: the action queue

    /// Runs an event handler, then every action it queued, in order. A handler called while
    /// another runs (a callback made synchronously) runs at once, but its actions join the
    /// queue: no action is carried out inside another.
    func drive(_ handler: (HTTPSession) -> Void) {
        if driving { return handler(self) }
        driving = true
        let before = machine.deadline
        handler(self)
        while let action = nextAction {
            nextAction = laterActions.isEmpty ? nil : laterActions.removeFirst()
            perform(action)
        }
        if laterActions.capacity > 0 { laterActions = [] }
        driving = false
        if machine.deadline != before { state.deadlineSet(machine.deadline) }
    }

    /// Queues what the machine decided; it is carried out once the current step returns.
    func run(_ action: HTTPExchange.Action) {
        if action == .none { return }
        if driving { enqueue(action) } else { drive { $0.enqueue(action) } }
    }

    private func enqueue(_ action: HTTPExchange.Action) {
        if nextAction == nil { nextAction = action } else { laterActions.append(action) }
    }

    private func perform(_ action: HTTPExchange.Action) {
        switch action {
        case .none, .forwardInterim, .dropInterim, .forwardUpgrade, .forwardHead, .continueResponse:
            break  // carried out where the head or the output is at hand
        case .route(let tried):
            route(tried: tried)
        case .connect(let server, let poolUse):
            useServer(server, poolUse)
        case .cancelConnectAndRoute(let tried):
            cancelConnect()
            route(tried: tried)
        case .retrySameServer(let server):
            detachUpstream(reusable: false)
            guard let route = plane.route?.server == server ? plane.route : currentRoute else { return run(machine.fail("no route")) }
            connect(route)
        case .retryNextServer(let failed, let detail, let tried):
            detachUpstream(reusable: false)
            plane.controller.passiveFailure(server: failed, detail: detail)
            route(tried: tried)
        case .sendRequest:
            flushUp()
        case .endBodyAtClose:
            if compressing && !finishCompression() { return }
            flushDown()
        case .finish(let reusable, let next):
            detachUpstream(reusable: reusable)
            logExchange()
            switch next {
            case .nextRequest: startNextRequest()
            case .linger: lingerClose()
            case .close: closeAfterFIN()
            }
        case .startTunnel:
            startTunnel()
        case .respondError(let status, let retryAfter):
            writeErrorResponse(status, retryAfter: retryAfter)
        case .linger:
            lingerClose()
        case .close:
            teardown()
        }
    }

    // MARK: events

    func connectionReadable() { drive { $0.clientReadable() } }
    func connectionWritable() { drive { $0.clientWritable() } }

    private func clientReadable() {
        switch machine.state {
        case .awaitingHead: readHead()
        case .exchanging where splicingUp: pumpUp()
        case .exchanging where !machine.requestBodyComplete && bodyPendingUp == 0: readBody()
        case .lingering: discardClientInput()
        default: client.pauseReading()  // the request is complete: pipelined bytes wait in the kernel
        }
    }

    private func clientWritable() {
        switch machine.state {
        case .exchanging, .responding: flushDown()
        default: break
        }
    }

    func upstreamReadable() { drive { $0.readUpstream() } }

    func upstreamWritable() {
        drive { if $0.machine.isExchanging { $0.flushUp() } }
    }

    /// The plane's ticker found the deadline passed.
    func deadlineExpired() {
        drive { $0.run($0.machine.deadline(now: $0.now)) }
    }

    func watchHangup(_ gone: (() -> Void)?) { client.watchHangup(gone) }

    func heldClientGone() { drive { $0.run($0.machine.fail("client gone while held")) } }

    /// The role left `lost` before this request reached it (a move's first step, or a
    /// failure): a connect still under way there is given up and the request routed again.
    func routeLost(_ lost: String) { drive { $0.run($0.machine.routeLost(server: lost)) } }

    /// Forced close: drain limit, end of shutdown.
    func closeNow() {
        if let forwarder { forwarder.close() } else { drive { $0.run($0.machine.fail("closed by proxy")) } }
    }

    /// `on-failover close`: the client connection ends after the response in progress.
    func closeAfterCurrentResponse() {
        drive { $0.run($0.machine.closeAfterResponse(clientBufferEmpty: $0.inBuf.isEmpty)) }
    }

    /// Shutdown began: an idle connection closes now, a busy one after its response.
    func closeIfIdle() { closeAfterCurrentResponse() }

    /// An upstream connection ended (EOF or error) while in use.
    func upstreamEnded(_ end: HTTPExchange.UpstreamEnd) {
        let server = upstream?.server
        run(machine.upstreamClosed(end, serverStillActive: server != nil && plane.route?.server == server, now: now))
    }
}
