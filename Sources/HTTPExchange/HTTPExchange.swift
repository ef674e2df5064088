import HTTP1

/// The decisions of one HTTP/1 client connection, as a pure state machine: no sockets, no
/// clock (time comes in as `now`, monotonic nanoseconds). The session reports what happened
/// on its sockets; each input changes the state and returns one `Action`, which the session
/// carries out after the transition, so no decision runs inside another.
///
/// One exchange at a time: pipelined requests wait in the client buffer until the exchange
/// before them ends (`finish(next: .nextRequest)`), so responses keep their order.
public struct HTTPExchange: Sendable {
    public private(set) var state: State = .awaitingHead
    public var settings: Settings
    /// When `deadlineKind` runs out, in `now` time; 0: none.
    public private(set) var deadline: UInt64 = 0
    public private(set) var deadlineKind: DeadlineKind = .none
    /// `on-failover close` or shutdown: the connection ends after the response in progress.
    public private(set) var closeWhenDone = false
    /// The exchange in progress, for the access log and metrics; nil between exchanges.
    public var record: ExchangeRecord?

    /// A new connection: the head deadline runs from `now`.
    public init(settings: Settings, now: UInt64) {
        self.settings = settings
        setDeadline(.head, now: now)
    }

    // MARK: request

    /// Bytes of a head arrived: a kept-alive connection's idle wait becomes a head wait.
    public mutating func clientBytes(now: UInt64) {
        if case .awaitingHead = state, deadlineKind == .idle { setDeadline(.head, now: now) }
    }

    /// A complete request head (its body framed as far as the buffer goes).
    public mutating func requestHead(_ facts: RequestFacts, record: ExchangeRecord = ExchangeRecord()) -> Action {
        guard case .awaitingHead = state else { return .none }  // pipelined: waits its turn
        self.record = record
        setDeadline(.none, now: 0)
        state = .routing(RequestSide(facts))
        return .route(tried: [])
    }

    /// The request cannot be served (bad head or body, head too large): `status`, then close.
    /// `record`: what is known of the exchange, when its head was read.
    public mutating func requestRejected(status: Int, cause: String, record: ExchangeRecord? = nil, now: UInt64) -> Action {
        if let record { self.record = record }
        if case .exchanging(_, let response) = state, response.headDone { return close(cause) }
        return respondError(status, cause: cause, now: now)
    }

    /// More of the request body is framed.
    public mutating func requestBodyFramed(complete: Bool) {
        if complete { updateRequest { $0.bodyComplete = true } }
    }

    /// Request bytes reached the upstream connection.
    public mutating func requestSent(body: Bool) {
        updateRequest {
            $0.headSent = true
            if body { $0.bodyStreamed = true }
        }
    }

    // MARK: routing and connecting

    /// The role's answer: a server, or none (nothing active, the hold ran out).
    public mutating func routed(server: String?, shuttingDown: Bool, now: UInt64) -> Action {
        guard case .routing(let request) = state else { return .none }
        guard let server else { return noRoute(cause: "no server", now: now) }
        state = .connecting(request, server: server)
        return .connect(server: server, shuttingDown ? .connectOnly : .pooled(verify: !request.resendable))
    }

    /// The role gave no server, for `cause` (the access log's word: "no server" when the
    /// hold ran out, "hold-queue full" when the client was turned away at once).
    public mutating func noRoute(cause: String, now: UInt64) -> Action {
        guard case .routing = state else { return .none }
        return respondError(503, cause: cause, retryAfter: 1, now: now)
    }

    /// The role left `server`: a connect still under way there is given up, and the request
    /// waits for the new server instead of reaching the old one late.
    public mutating func routeLost(server lost: String) -> Action {
        guard case .connecting(let request, let server) = state, server == lost else { return .none }
        state = .routing(request)
        return .cancelConnectAndRoute(tried: request.retry.tried)
    }

    public enum ConnectFailure: Equatable, Sendable {
        /// The session cancelled it.
        case cancelled
        /// The proxy's own limit (descriptors, memory): no other server would fare better.
        case localShortage(String)
        /// Refused, timed out, certificate rejected.
        case server(String)
    }

    public mutating func connectFailed(_ failure: ConnectFailure, now: UInt64) -> Action {
        guard case .connecting(var request, let server) = state else { return .none }
        switch failure {
        case .cancelled:
            return .none
        case .localShortage(let detail):
            return respondError(503, cause: "local resource: \(detail)", retryAfter: 1, now: now)
        case .server(let detail):
            _ = request.retry.afterConnectFailure(server: server)
            state = .routing(request)
            return .retryNextServer(failed: server, detail: detail, tried: request.retry.tried)
        }
    }

    /// An upstream connection is ready (`reused`: it came from the idle pool).
    public mutating func upstreamAttached(reused: Bool, now: UInt64) -> Action {
        guard case .connecting(var request, let server) = state else { return .none }
        request.headSent = false
        state = .exchanging(request, ResponseSide(server: server, reused: reused))
        record?.server = server
        setDeadline(.response, now: now)
        return .sendRequest
    }

    // MARK: response

    /// Bytes came from the server (or moved either way): the response and transfer waits start over.
    public mutating func progress(now: UInt64) {
        if deadlineKind == .transfer || deadlineKind == .response {
            deadline = now + max(1, settings.idleTimeout)
        }
    }

    public mutating func responseBytes(now: UInt64) {
        updateResponse { $0.started = true }
        progress(now: now)
    }

    public mutating func responseHead(_ facts: ResponseFacts, shuttingDown: Bool, now: UInt64) -> Action {
        guard case .exchanging(let request, var response) = state else { return .none }
        if facts.isInterim { return request.isHTTP10 ? .dropInterim : .forwardInterim }
        record?.status = facts.status
        if facts.status == 101 {
            guard request.isUpgrade, facts.isUpgrade else {
                return respondError(502, cause: "101 without an upgrade request", now: now)
            }
            response.upgrading = true
            response.headDone = true
            state = .exchanging(request, response)
            return .forwardUpgrade
        }
        response.untilClose = facts.untilClose
        response.keepAlive = facts.keepAlive
        response.clientKeepAlive = request.keepAlive && !closeWhenDone && !facts.untilClose && !shuttingDown
        response.headDone = true
        response.complete = facts.bodyComplete
        state = .exchanging(request, response)
        setDeadline(.transfer, now: now)
        return .forwardHead(keepAlive: response.clientKeepAlive, compress: settings.compress && facts.compressible)
    }

    /// The response could not be parsed or framed.
    public mutating func responseInvalid(_ cause: String, now: UInt64) -> Action {
        guard case .exchanging(_, let response) = state else { return .none }
        return response.headDone ? close(cause) : respondError(502, cause: cause, now: now)
    }

    public mutating func responseBodyFramed(complete: Bool) {
        if complete { updateResponse { $0.complete = true } }
    }

    public enum UpstreamEnd: Equatable, Sendable {
        /// An orderly close.
        case eof
        /// A read or write error (`detail`: "read: ECONNRESET"…).
        case failed(String)
    }

    /// The upstream connection ended. `serverStillActive`: the role still routes to it.
    public mutating func upstreamClosed(_ end: UpstreamEnd, serverStillActive: Bool, now: UInt64) -> Action {
        guard case .exchanging(var request, var response) = state else { return .none }
        if end == .eof && response.headDone && response.untilClose {
            response.complete = true
            response.keepAlive = false
            state = .exchanging(request, response)
            return .endBodyAtClose
        }
        let detail: String
        switch end {
        case .eof: detail = !response.started ? "closed before responding" : !response.headDone ? "closed mid-head" : "server closed mid-body"
        case .failed(let d): detail = d
        }
        if response.headDone { return close(end == .eof ? detail : "server: \(detail)") }
        guard !response.started else { return respondError(502, cause: detail, now: now) }
        // Nothing came back: retry where that cannot run the request twice, else 502.
        let decision = request.retry.afterEarlyClose(server: response.server, headSent: request.headSent,
                                                     resendable: request.resendable, reusedConnection: response.reused,
                                                     serverStillActive: serverStillActive)
        switch decision {
        case .giveUp:
            return respondError(502, cause: "server \(detail)", now: now)
        case .sameServer:
            // The deadline stays as it is: the response wait goes on across the retry.
            state = .connecting(request, server: response.server)
            return .retrySameServer(server: response.server)
        case .nextServer:
            state = .routing(request)
            return .retryNextServer(failed: response.server, detail: detail, tried: request.retry.tried)
        }
    }

    /// Everything the session had to write to the client is written.
    public mutating func outputDrained(upstreamBufferEmpty: Bool, clientBufferEmpty: Bool, shuttingDown: Bool,
                                       now: UInt64) -> Action {
        switch state {
        case .responding:
            state = .lingering
            setDeadline(.linger, now: now)
            return .linger
        case .exchanging(let request, let response):
            if response.upgrading {
                state = .tunnel
                setDeadline(.none, now: now)
                return .startTunnel
            }
            guard response.complete else { return .continueResponse }
            let reusable = response.keepAlive && !response.untilClose && request.bodyComplete && upstreamBufferEmpty
            if response.clientKeepAlive && request.bodyComplete && !closeWhenDone && !shuttingDown {
                state = .awaitingHead
                setDeadline(clientBufferEmpty ? .idle : .head, now: now)
                return .finish(reusable: reusable, next: .nextRequest)
            }
            // The whole request was read and nothing came after it: nothing more is due
            // from the client, so the connection closes now (as HAProxy and nginx do)
            // instead of waiting a wake-up for its FIN. Bytes after the request, or a body
            // not read to its end, linger: a close with unread input would be a reset.
            if request.bodyComplete && clientBufferEmpty {
                state = .closed
                setDeadline(.none, now: now)
                return .finish(reusable: reusable, next: .close)
            }
            state = .lingering
            setDeadline(.linger, now: now)
            return .finish(reusable: reusable, next: .linger)
        default:
            return .none
        }
    }

    // MARK: time and closing

    /// The plane's ticker: acts on a deadline that has passed.
    public mutating func deadline(now: UInt64) -> Action {
        guard deadline != 0, now >= deadline else { return .none }
        switch deadlineKind {
        case .none:
            deadline = 0
            return .none
        case .head:
            return respondError(408, cause: "head-timeout", now: now)
        case .idle, .linger:
            return close("")
        case .response:
            if case .exchanging(_, let response) = state, response.headDone { return close("upstream-timeout") }
            return respondError(504, cause: "upstream-timeout", now: now)
        case .transfer:
            return close("idle-timeout")
        }
    }

    /// The client closed its side (or its read failed). `midHead`: part of a head was read.
    public mutating func clientClosed(midHead: Bool) -> Action {
        switch state {
        case .awaitingHead: return close(midHead ? "client closed mid-head" : "")
        case .lingering: return close("")
        default: return close("client closed mid-body")
        }
    }

    /// `on-failover close`, or shutdown: an idle connection closes now, a busy one after its response.
    public mutating func closeAfterResponse(clientBufferEmpty: Bool) -> Action {
        closeWhenDone = true
        if case .awaitingHead = state, clientBufferEmpty { return close("") }
        return .none
    }

    /// Anything that ends the connection at once (client gone, gzip failure, forced close).
    public mutating func fail(_ cause: String) -> Action { close(cause) }

    /// The tunnel after a 101 ended.
    public mutating func tunnelClosed(reason: String) {
        record?.cause = "tunnel " + reason
        state = .closed
        deadline = 0
    }

    /// Hands the record of the exchange over (once).
    public mutating func takeRecord() -> ExchangeRecord? {
        defer { record = nil }
        return record
    }

    public var isClosed: Bool { state == .closed }

    /// A response is being received on this connection and may take more bytes now.
    public var isReceivingResponse: Bool {
        if case .exchanging(_, let response) = state { return !response.complete && !response.upgrading }
        return false
    }

    public var isExchanging: Bool {
        if case .exchanging = state { return true }
        return false
    }

    /// The request body is all framed (or there is no request).
    public var requestBodyComplete: Bool {
        switch state {
        case .routing(let r), .connecting(let r, _), .exchanging(let r, _): r.bodyComplete
        default: true
        }
    }

    public var responseHeadDone: Bool {
        if case .exchanging(_, let response) = state { return response.headDone }
        return false
    }

    public var responseComplete: Bool {
        if case .exchanging(_, let response) = state { return response.complete }
        return false
    }

    public var response: ResponseSide? {
        if case .exchanging(_, let response) = state { return response }
        return nil
    }

    public var request: RequestSide? {
        switch state {
        case .routing(let r), .connecting(let r, _), .exchanging(let r, _): r
        default: nil
        }
    }

    // MARK: private

    private mutating func respondError(_ status: Int, cause: String, retryAfter: Int? = nil, now: UInt64) -> Action {
        if record == nil { record = ExchangeRecord() }
        record?.status = status
        record?.cause = cause
        state = .responding(status: status)
        setDeadline(.transfer, now: now)
        return .respondError(status: status, retryAfter: retryAfter)
    }

    private mutating func close(_ cause: String) -> Action {
        guard state != .closed else { return .none }
        if !cause.isEmpty, record != nil, record?.cause.isEmpty == true { record?.cause = cause }
        state = .closed
        deadline = 0
        deadlineKind = .none
        return .close(cause: cause)
    }

    private mutating func setDeadline(_ kind: DeadlineKind, now: UInt64) {
        deadlineKind = kind
        let timeout: UInt64
        switch kind {
        case .none: deadline = 0; return
        case .head: timeout = settings.headTimeout
        case .idle, .response, .transfer: timeout = settings.idleTimeout
        case .linger: timeout = settings.lingerTime
        }
        deadline = now + max(1, timeout)
    }

    /// Changes the request side in place (the state is moved out first so the copy is not shared).
    private mutating func updateRequest(_ change: (inout RequestSide) -> Void) {
        switch state {
        case .routing(var r): state = .closed; change(&r); state = .routing(r)
        case .connecting(var r, let s): state = .closed; change(&r); state = .connecting(r, server: s)
        case .exchanging(var r, let p): state = .closed; change(&r); state = .exchanging(r, p)
        default: break
        }
    }

    private mutating func updateResponse(_ change: (inout ResponseSide) -> Void) {
        guard case .exchanging(let r, var p) = state else { return }
        state = .closed
        change(&p)
        state = .exchanging(r, p)
    }
}
