#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import HTTP1

/// One `mode http` client connection: requests are parsed in place in a pooled buffer,
/// forwarded one at a time (pipelined ones wait in the buffer, so answers keep their
/// order) over a pooled keep-alive upstream connection, bodies streamed through the same
/// buffers with backpressure: a side is read only while the other side's output is empty.
/// The large rest of a Content-Length body between two plain sockets goes by splice(2)
/// through a pipe of the loop's pool instead (same backpressure: read only into an empty
/// or draining pipe).
///
/// Failover: a connect failure, or an upstream that closes or resets before the first
/// response byte when the request can be sent again (nothing sent yet, or an idempotent
/// request whose whole body is still held), is retried on the role's (new) active server,
/// at most once per server; a reused pooled connection gets one fresh retry on the same
/// server first, since a server may close an idle connection just as it is reused.
final class HTTPSession: ProxySession, UpstreamOwner, HeldClient {  // confined to plane.loop
    private enum Phase { case awaitingHead, routing, connecting, exchanging, responding, tunnel, lingering, closed }
    private enum DeadlineKind { case none, head, idle, response, transfer, linger }

    /// Request bodies up to this size travel in the same write as the head, and can be
    /// resent on a retry.
    static let inlineBodyLimit = 16 * 1024
    /// A Content-Length body with at least this much still unread goes socket → pipe →
    /// socket by splice(2) when both ends are plain sockets (smaller ones are not worth a
    /// pipe).
    static let spliceThreshold = 64 * 1024
    static let lingerTime: Duration = .seconds(2)

    private let plane: RolePlane
    private let state: HTTPPlaneState
    private let client: StreamConnection
    let peer: SocketAddress
    /// `X-Forwarded-Proto`: "https" on a `tls` listener.
    private let forwardedProto: String
    /// The server a connect under way goes to.
    private var connectingTo: String?
    /// Where `X-Failover-Epoch` goes (or went) in `headOut`; empty until a route set it.
    private var epochField = 0..<0
    private let peerHost: String
    private var phase: Phase = .awaitingHead
    /// When `deadlineKind` runs out, in `state.now` time; 0: none. Enforced by the plane's ticker.
    private(set) var deadline: UInt64 = 0
    private var deadlineKind: DeadlineKind = .none
    private var closeWhenDone = false
    /// Counts exchanges: code that may have finished one and started the next checks it.
    private var exchangeNumber = 0

    // Client → upstream.
    private var inBuf: IOBuffer
    private var parser: HTTPRequestParser
    private var method: HTTPMethod = .get
    private var requestKeepAlive = true
    private var requestIsUpgrade = false
    /// An HTTP/1.0 client gets no 1xx responses (RFC 9110 §15.2).
    private var requestIsHTTP10 = false
    private var requestFramer = BodyFramer(.none)
    private var requestDone = true
    /// Framed request-body bytes at the front of `inBuf`, not yet written upstream.
    private var bodyPendingUp = 0
    /// Body bytes went upstream straight from `inBuf`: the request cannot be sent again.
    private var bodyStreamed = false
    /// Content-Length request body bytes not yet framed (still in the kernel); nil: other framing.
    private var requestBodyUnread: Int?
    /// The rest of the request body goes client → upstream by splice.
    private var splicingUp = false
    private var headOut: [UInt8] = []
    private var headOutSent = 0

    // Routing.
    private var tried: Set<String> = []
    private var retriedStale = false
    private var upstream: UpstreamConnection?
    private var server: String?
    private var connectAttempt: UpstreamConnect?
    private var forwarder: TCPForwarder?

    // Upstream → client.
    private var responseStarted = false
    private var responseHeadDone = false
    private var responseDone = false
    private var responseFramer = BodyFramer(.none)
    private var responseKeepAlive = false
    private var clientKeepAlive = false
    private var untilClose = false
    private var upgrading = false
    private var respOut: [UInt8] = []
    private var respOutSent = 0
    /// Framed response-body bytes at the front of the upstream buffer, not yet written to the client.
    private var bodyPendingDown = 0
    /// Content-Length response body bytes not yet framed (still in the kernel); nil: other framing.
    private var responseBodyUnread: Int?
    /// The rest of the response body goes upstream → client by splice.
    private var splicingDown = false
    /// No pipe could be had (descriptor limit): this exchange copies its bodies.
    private var spliceUnavailable = false
    /// `compress on`: the current response body is being gzipped (made on first use).
    private var compressing = false
    private var compression: ResponseCompression?
    private var compressionFacts = ResponseCompression.RequestFacts()

    // Access log of the current exchange.
    private var exchangeOpen = false
    private var status = 0
    private var cause = ""
    private var logMethod = "-"
    private var logTarget = "-"
    private var startedNanos: UInt64 = 0
    private var bytesIn: UInt64 = 0
    private var bytesOut: UInt64 = 0

    /// The client's place under `max-connections`: given back when its connection closes.
    private let slot: ConnectionSlot?

    init(client stream: any ByteStream, peer: SocketAddress, secure: Bool, plane: RolePlane, state: HTTPPlaneState,
         slot: ConnectionSlot? = nil) {
        self.slot = slot
        self.plane = plane
        self.state = state
        self.peer = peer
        peerHost = peer.host
        forwardedProto = secure ? "https" : "http"
        client = StreamConnection(stream: stream, loop: plane.loop)
        inBuf = IOBuffer(capacity: state.buffers.bufferSize)
        parser = HTTPRequestParser(limits: HTTPParserLimits(maxHeadSize: plane.config.maxHeadSize, maxHeaders: plane.config.maxHeaders))
    }

    func start() {
        state.add(self)
        setDeadline(.head)
        client.start(onReadable: { [weak self] in self?.clientReadable() },
                     onWritable: { [weak self] in self?.clientWritable() })
    }

    // MARK: events

    private func clientReadable() {
        switch phase {
        case .awaitingHead: readHead()
        case .exchanging where splicingUp: pumpUp()
        case .exchanging where !requestDone && bodyPendingUp == 0: readBody()
        case .lingering: discardClientInput()
        default: client.pauseReading()  // the request is complete: pipelined bytes wait in the kernel
        }
    }

    private func clientWritable() {
        if phase == .exchanging || phase == .responding { flushDown() }
    }

    func upstreamReadable() {
        guard phase == .exchanging, let up = upstream else { return }
        if splicingDown { return pumpDown() }
        if bodyPendingDown > 0 || !respOut.isEmpty { up.stream.pauseReading(); return }
        for _ in 0..<8 {
            let tail = up.buffer.writableTail(state.buffers)
            if tail.isEmpty { return upstreamGarbage("response head too large") }
            switch up.stream.read(into: tail) {
            case .bytes(let n):
                up.buffer.end += n
                responseStarted = true
                touch()
                guard processResponse() else { return }
            case .wouldBlock:
                // The server paused: what zlib holds goes out now.
                if compressing && !responseDone && bodyPendingDown == 0 && respOut.isEmpty {
                    do { try compression?.flush(into: &respOut) } catch { return teardown(cause: "gzip: \(error)") }
                    if !respOut.isEmpty { flushDown() }
                }
                return
            case .eof: return upstreamEOF()
            case .error(let e): return upstreamFailed("read: \(e.errno)")
            }
        }
    }

    func upstreamWritable() {
        if phase == .exchanging { flushUp() }
    }

    /// The plane's ticker found the deadline passed.
    func deadlineExpired() {
        switch deadlineKind {
        case .none: deadline = 0
        case .head: respondError(408, cause: "head-timeout")
        case .idle, .linger: teardown(cause: "")
        case .response:
            if responseHeadDone { teardown(cause: "upstream-timeout") } else { respondError(504, cause: "upstream-timeout") }
        case .transfer: teardown(cause: "idle-timeout")
        }
    }

    // MARK: request head

    private func readHead() {
        while phase == .awaitingHead {
            let tail = inBuf.writableTail(state.buffers)
            if tail.isEmpty { return respondError(431, cause: "head larger than buffer") }
            switch client.read(into: tail) {
            case .bytes(let n):
                inBuf.end += n
                if deadlineKind == .idle { setDeadline(.head) }
                if parseHead() { return }
            case .wouldBlock:
                inBuf.releaseIfEmpty(state.buffers)
                return
            case .eof, .error:
                return teardown(cause: inBuf.isEmpty ? "" : "client closed mid-head")
            }
        }
    }

    /// Parses what `inBuf` holds; true when the head is done with (forwarded or answered).
    private func parseHead() -> Bool {
        switch parser.parse(inBuf.readable) {
        case .needMore: return false
        case .error(let e):
            respondError(e.status, cause: "bad request: \(e)")
            return true
        case .complete(let head, let headLength):
            beginExchange(head, headLength: headLength)
            return true
        }
    }

    private func beginExchange(_ head: HTTPRequestHead, headLength: Int) {
        client.pauseReading()
        exchangeNumber &+= 1
        exchangeOpen = true
        if plane.accessLog?.isOn == true {
            startedNanos = WallClock.monotonicNanoseconds()
            logMethod = head.methodString(in: inBuf.readable)
            logTarget = head.targetString(in: inBuf.readable)
        }
        method = head.method
        if plane.config.compress {
            let accept = head.values(forName: "Accept-Encoding", in: inBuf.readable)
            compressionFacts = ResponseCompression.RequestFacts(
                acceptEncoding: accept.isEmpty ? nil : accept.joined(separator: ","),
                hasRange: head.firstField(named: "Range", in: inBuf.readable) != nil,
                isHead: head.method == .head, isHTTP10: head.version == .http1_0)
        }
        requestKeepAlive = head.keepAlive
        requestIsUpgrade = head.isUpgrade
        requestIsHTTP10 = head.version == .http1_0
        headOut.removeAll(keepingCapacity: true)
        head.writeForwarded(from: inBuf.readable, clientAddress: peerHost, forwardedProto: forwardedProto,
                            connection: requestIsUpgrade ? .upgrade : .keepAlive, into: &headOut)
        epochField = headOut.count - 2..<headOut.count - 2  // before the head's final CRLF
        inBuf.consume(headLength)
        bytesIn = UInt64(headLength)
        requestFramer = BodyFramer(head.framing)
        requestDone = requestFramer.isComplete
        bodyPendingUp = 0
        bodyStreamed = false
        splicingUp = false
        if case .contentLength(let n) = head.framing { requestBodyUnread = n } else { requestBodyUnread = nil }
        if let e = frameBody() { return respondError(e.status, cause: "bad request body: \(e)") }
        if bodyPendingUp > 0 && bodyPendingUp <= Self.inlineBodyLimit {
            headOut.append(contentsOf: inBuf.bytes(0, bodyPendingUp))
            inBuf.consume(bodyPendingUp)
            bytesIn += UInt64(bodyPendingUp)
            bodyPendingUp = 0
        }
        tried = []
        retriedStale = false
        setDeadline(.none)
        phase = .routing
        route()
    }

    /// Frames the unframed bytes at the front of `inBuf` (only when none are pending).
    private func frameBody() -> HTTPParseError? {
        guard !requestDone, bodyPendingUp == 0, !inBuf.isEmpty else { return nil }
        switch requestFramer.consume(inBuf.readable) {
        case .needMore(let n): bodyPendingUp = n
        case .complete(let n): bodyPendingUp = n; requestDone = true
        case .error(let e): return e
        }
        if let unread = requestBodyUnread { requestBodyUnread = unread - bodyPendingUp }
        return nil
    }

    // MARK: routing and upstream connections

    private func route() {
        // Fast path, same rule as `admit`: no closure to allocate for the usual request.
        if !plane.isShuttingDown, plane.mayForward, let route = plane.route, !tried.contains(route.server) { return routed(route) }
        plane.admit(tried: tried, client: self) { [weak self] route in self?.routed(route) }
    }

    func watchHangup(_ gone: (() -> Void)?) { client.watchHangup(gone) }

    func heldClientGone() { teardown(cause: "client gone while held") }

    private func routed(_ route: Route?) {
        guard phase == .routing else { return }
        guard let route else { return respondError(503, cause: "no server", retryAfter: 1) }
        if route.epoch != nil { setEpochField(route.epochField) }
        // A request that could not be resent must not go out on a connection already closed.
        let resendable = method.isIdempotent && requestDone
        if !state.isShuttingDown, let pooled = state.pool.take(server: route.server, verify: !resendable) {
            attach(pooled)
        } else {
            connect(route)
        }
    }

    /// Cluster mode: `X-Failover-Epoch` of the route taken, replacing the one of an earlier try.
    private func setEpochField(_ field: [UInt8]) {
        headOut.replaceSubrange(epochField, with: field)
        epochField = epochField.lowerBound..<epochField.lowerBound + field.count
    }

    private func connect(_ route: Route) {
        phase = .connecting
        connectingTo = route.server
        connectAttempt = UpstreamConnect.start(to: route.address, tls: plane.upstreamTLS(for: route.server), on: plane.loop,
                                               timeout: plane.config.connectTimeout) { [weak self] result in
            guard let self else {
                if case .success(let stream) = result { stream.close() }
                return
            }
            connected(result, route)
        }
    }

    /// The role left `lost` before this request reached it (a move's first step, or a
    /// failure): a connect still under way there is given up and the request routed again,
    /// so it waits for the new server instead of reaching the old one late.
    func routeLost(_ lost: String) {
        guard phase == .connecting, connectingTo == lost else { return }
        let attempt = connectAttempt
        connectAttempt = nil
        phase = .routing
        attempt?.cancel()
        route()
    }

    private func connected(_ result: Result<any ByteStream, UpstreamConnectError>, _ route: Route) {
        connectAttempt = nil
        connectingTo = nil
        guard phase == .connecting else {
            if case .success(let stream) = result { stream.close() }
            return
        }
        switch result {
        case .success(let stream):
            attach(UpstreamConnection(stream: stream, server: route.server, loop: plane.loop, bufferSize: state.buffers.bufferSize))
        case .failure(let error) where error.isCancelled:
            return
        case .failure(let error) where error.localShortage != nil:
            // The proxy's own limit, not the server's: no retry elsewhere would fare better.
            plane.localShortage(error.localShortage!, place: "connect")
            respondError(503, cause: "local resource: \(error.localShortage!.errno)", retryAfter: 1)
        case .failure(let error):
            // A certificate that fails verification is a server that cannot be used.
            plane.controller.passiveFailure(server: route.server, detail: error.description)
            tried.insert(route.server)
            phase = .routing
            self.route()
        }
    }

    private func attach(_ up: UpstreamConnection) {
        upstream = up
        up.owner = self
        up.requests += 1
        server = up.server
        plane.register(self, on: up.server)
        phase = .exchanging
        headOutSent = 0
        responseStarted = false
        responseHeadDone = false
        responseDone = false
        upgrading = false
        untilClose = false
        compressing = false
        respOut.removeAll(keepingCapacity: true)
        respOutSent = 0
        bodyPendingDown = 0
        responseBodyUnread = nil
        splicingDown = false
        spliceUnavailable = false
        // The role's head limits bound responses too; a pooled connection may predate a reload.
        let limits = HTTPParserLimits(maxHeadSize: plane.config.maxHeadSize, maxHeaders: plane.config.maxHeaders, allowsBareLF: true)
        if up.parser.limits == limits { up.parser.reset() } else { up.parser = HTTPResponseParser(limits: limits) }
        setDeadline(.response)
        up.stream.resumeReading()
        flushUp()
    }

    /// Lets go of the upstream connection: back to the pool when it is clean, else closed.
    private func detachUpstream(reusable: Bool) {
        guard let up = upstream else { return }
        upstream = nil
        stopSplicing(up)
        plane.unregister(self, from: up.server)
        if reusable && !state.isShuttingDown && plane.route?.server == up.server {
            state.pool.put(up, now: state.now, buffers: state.buffers)
        } else {
            up.buffer.release(state.buffers)
            up.close()
        }
    }

    // MARK: client → upstream

    private func readBody() {
        let tail = inBuf.writableTail(state.buffers)
        switch client.read(into: tail) {
        case .bytes(let n):
            inBuf.end += n
            if let e = frameBody() {
                return responseHeadDone ? teardown(cause: "bad request body: \(e)") : respondError(e.status, cause: "bad request body: \(e)")
            }
            touch()
            flushUp()
        case .wouldBlock:
            return
        case .eof, .error:
            teardown(cause: "client closed mid-body")
        }
    }

    private func flushUp() {
        guard let up = upstream else { return }
        while headOutSent < headOut.count {
            let result = headOut.withUnsafeBytes { up.stream.write(UnsafeRawBufferPointer(rebasing: $0[headOutSent...])) }
            switch result {
            case .written(let n):
                headOutSent += n
                if headOutSent < headOut.count { return }
            case .wouldBlock: return
            case .error(let e): return upstreamFailed("write: \(e.errno)")
            }
        }
        while true {
            while bodyPendingUp > 0 {
                switch up.stream.write(inBuf.bytes(0, bodyPendingUp)) {
                case .written(let n):
                    bodyStreamed = true
                    inBuf.consume(n)
                    bodyPendingUp -= n
                    bytesIn += UInt64(n)
                    touch()
                    if bodyPendingUp > 0 { client.pauseReading(); return }
                case .wouldBlock:
                    client.pauseReading()
                    return
                case .error(let e):
                    return upstreamFailed("write: \(e.errno)")
                }
            }
            if requestDone {
                client.pauseReading()
                return
            }
            if splicingUp || startSplicingUp(up) { return pumpUp() }
            if let e = frameBody() {
                return responseHeadDone ? teardown(cause: "bad request body: \(e)") : respondError(e.status, cause: "bad request body: \(e)")
            }
            if bodyPendingUp == 0 {
                client.resumeReading()
                return
            }
        }
    }

    // MARK: upstream → client

    /// Parses and frames what the upstream buffer holds, then writes; true to keep reading.
    private func processResponse() -> Bool {
        guard let up = upstream else { return false }
        let exchange = exchangeNumber
        while !responseHeadDone {
            switch up.parser.parse(up.buffer.readable, requestMethod: method) {
            case .needMore:
                if !respOut.isEmpty { flushDown() }  // an interim response goes out at once
                return exchange == exchangeNumber && phase == .exchanging && upstream === up && respOut.isEmpty
            case .error(let e):
                upstreamGarbage("bad response: \(e)")
                return false
            case .complete(let head, let headLength):
                if head.isInterim {  // 100 Continue and friends go through as received, except to HTTP/1.0
                    if !requestIsHTTP10 { respOut.append(contentsOf: up.buffer.bytes(0, headLength)) }
                    up.buffer.consume(headLength)
                    continue
                }
                status = head.status
                if head.status == 101 {
                    guard requestIsUpgrade, head.isUpgrade else {
                        upstreamGarbage("101 without an upgrade request")
                        return false
                    }
                    upgrading = true
                    head.writeForwarded(from: up.buffer.readable, connection: .upgrade, into: &respOut)
                    up.buffer.consume(headLength)
                    responseHeadDone = true
                    flushDown()
                    return false
                }
                untilClose = head.framing == .untilClose
                responseKeepAlive = head.keepAlive
                clientKeepAlive = requestKeepAlive && !closeWhenDone && !untilClose && !state.isShuttingDown
                let headStart = respOut.count
                head.writeForwarded(from: up.buffer.readable, connection: clientKeepAlive ? .keepAlive : .close, into: &respOut)
                if plane.config.compress {
                    beginCompression(head, in: up.buffer.readable, headStart: headStart)
                }
                up.buffer.consume(headLength)
                responseFramer = BodyFramer(head.framing)
                if case .contentLength(let n) = head.framing { responseBodyUnread = n } else { responseBodyUnread = nil }
                responseHeadDone = true
                responseDone = responseFramer.isComplete
                setDeadline(.transfer)
            }
        }
        if !responseDone && bodyPendingDown == 0 && !up.buffer.isEmpty {
            switch responseFramer.consume(up.buffer.readable) {
            case .needMore(let n): bodyPendingDown = n
            case .complete(let n): bodyPendingDown = n; responseDone = true
            case .error(let e):
                teardown(cause: "bad response body: \(e)")
                return false
            }
            if let unread = responseBodyUnread { responseBodyUnread = unread - bodyPendingDown }
            if compressing && !compressBody(up) { return false }
            // A small body rides along with the head in one write.
            if respOutSent < respOut.count && bodyPendingDown > 0 && bodyPendingDown <= Self.inlineBodyLimit {
                respOut.append(contentsOf: up.buffer.bytes(0, bodyPendingDown))
                up.buffer.consume(bodyPendingDown)
                bodyPendingDown = 0
            }
        }
        if compressing && responseDone && bodyPendingDown == 0 && !finishCompression() { return false }
        flushDown()
        // Not when the response finished meanwhile (a pipelined request may already be on its way).
        return exchange == exchangeNumber && phase == .exchanging && upstream === up && !responseDone
            && bodyPendingDown == 0 && respOut.isEmpty && !splicingDown
    }

    private func flushDown() {
        while respOutSent < respOut.count {
            let result = respOut.withUnsafeBytes { client.write(UnsafeRawBufferPointer(rebasing: $0[respOutSent...])) }
            switch result {
            case .written(let n):
                respOutSent += n
                bytesOut += UInt64(n)
                if respOutSent < respOut.count { upstream?.stream.pauseReading(); return }
            case .wouldBlock:
                upstream?.stream.pauseReading()
                return
            case .error:
                return teardown(cause: "client gone")
            }
        }
        respOut.removeAll(keepingCapacity: true)
        respOutSent = 0
        if phase == .responding { return lingerClose() }
        guard let up = upstream else { return }
        if splicingDown { return pumpDown() }
        while bodyPendingDown > 0 {
            switch client.write(up.buffer.bytes(0, bodyPendingDown)) {
            case .written(let n):
                up.buffer.consume(n)
                bodyPendingDown -= n
                bytesOut += UInt64(n)
                touch()
                if bodyPendingDown > 0 { up.stream.pauseReading(); return }
            case .wouldBlock:
                up.stream.pauseReading()
                return
            case .error:
                return teardown(cause: "client gone")
            }
        }
        if upgrading { return startTunnel() }
        if responseDone { return finishExchange() }
        if responseHeadDone && !up.buffer.isEmpty {
            _ = processResponse()  // bytes read past what was framed while output was pending
            return
        }
        if startSplicingDown(up) { return pumpDown() }
        up.stream.resumeReading()
    }

    // MARK: zero-copy bodies

    /// The rest of a Content-Length request body is large and `inBuf` holds none of it:
    /// it goes by splice from now on (and the request can no longer be resent).
    private func startSplicingUp(_ up: UpstreamConnection) -> Bool {
        guard plane.config.splice, !spliceUnavailable, let unread = requestBodyUnread, unread >= Self.spliceThreshold, inBuf.isEmpty,
              bodyPendingUp == 0, client.canSplice(to: up.stream) else { return false }
        inBuf.release(state.buffers)
        splicingUp = true
        return true
    }

    /// client → pipe → upstream, a bounded number of rounds per wake-up. Reads only while
    /// the pipe is empty or the upstream takes what it holds (backpressure).
    private func pumpUp() {
        guard splicingUp, let up = upstream else { return }
        for _ in 0..<16 {
            if client.splicePending > 0 {
                switch client.spliceOut(to: up.stream) {
                case .written(let n):
                    bodyStreamed = true
                    bytesIn += UInt64(n)
                    HTTPSpliceStatistics.addRequest(n)
                    touch()
                    if client.splicePending > 0 { client.pauseReading(); return }  // upstream full: its onWritable is armed
                case .wouldBlock:
                    client.pauseReading()
                    return
                case .error(let e):
                    return upstreamFailed("write: \(e.errno)")
                }
            }
            guard let unread = requestBodyUnread, unread > 0 else {
                splicingUp = false
                requestDone = true
                client.pauseReading()  // pipelined requests wait in the kernel
                return
            }
            switch client.spliceIn(limit: unread) {
            case .bytes(let n):
                requestBodyUnread = unread - n
            case .wouldBlock:
                // Nothing to read, or the pipe's slots are full: only the latter while bytes are pending.
                if client.splicePending == 0 { client.resumeReading(); return }
            case .error(let e) where Self.isPipeShortage(e):
                plane.localShortage(e, place: "splice")
                // The rest goes the copying way, framed from where the splice stopped.
                spliceUnavailable = true
                splicingUp = false
                requestFramer = BodyFramer(.contentLength(unread))
                client.resumeReading()
                return
            case .eof, .error:
                return teardown(cause: "client closed mid-body")
            }
        }
        // Round limit: go on from the next event.
        if client.splicePending > 0 { up.stream.armWritable() } else { client.resumeReading() }
    }

    /// The rest of a Content-Length response body is large, not gzipped, and the upstream
    /// buffer holds none of it: it goes by splice from now on.
    private func startSplicingDown(_ up: UpstreamConnection) -> Bool {
        guard plane.config.splice, !spliceUnavailable, responseHeadDone, !responseDone, !compressing, !upgrading, let unread = responseBodyUnread,
              unread >= Self.spliceThreshold, up.buffer.isEmpty, bodyPendingDown == 0, respOut.isEmpty,
              up.stream.canSplice(to: client) else { return false }
        up.buffer.release(state.buffers)
        splicingDown = true
        return true
    }

    /// upstream → pipe → client, like `pumpUp`.
    private func pumpDown() {
        guard splicingDown, let up = upstream else { return }
        for _ in 0..<16 {
            if up.stream.splicePending > 0 {
                switch up.stream.spliceOut(to: client) {
                case .written(let n):
                    bytesOut += UInt64(n)
                    HTTPSpliceStatistics.addResponse(n)
                    touch()
                    if up.stream.splicePending > 0 { up.stream.pauseReading(); return }  // client full: its onWritable is armed
                case .wouldBlock:
                    up.stream.pauseReading()
                    return
                case .error:
                    return teardown(cause: "client gone")
                }
            }
            guard let unread = responseBodyUnread, unread > 0 else {
                splicingDown = false
                responseDone = true
                return flushDown()  // finishes the exchange
            }
            switch up.stream.spliceIn(limit: unread) {
            case .bytes(let n):
                responseBodyUnread = unread - n
            case .wouldBlock:
                if up.stream.splicePending == 0 { up.stream.resumeReading(); return }
            case .error(let e) where Self.isPipeShortage(e):
                plane.localShortage(e, place: "splice")
                spliceUnavailable = true
                splicingDown = false
                responseFramer = BodyFramer(.contentLength(unread))
                up.stream.resumeReading()
                return
            case .eof:
                return upstreamEOF()
            case .error(let e):
                return upstreamFailed("read: \(e.errno)")
            }
        }
        if up.stream.splicePending > 0 { client.armWritable() } else { up.stream.resumeReading() }
    }

    /// A pipe could not be borrowed (only then is `pipe2` the failing call, with nothing spliced in).
    private static func isPipeShortage(_ error: SyscallError) -> Bool { error.call == "pipe2" }

    /// The exchange ends or fails mid-splice: bytes still in a pipe are dropped with it.
    private func stopSplicing(_ up: UpstreamConnection) {
        if splicingUp { client.releaseSplicePipe() }
        if splicingDown { up.stream.releaseSplicePipe() }
        splicingUp = false
        splicingDown = false
    }

    // MARK: compression

    /// Decides for the response whose head was just written at `respOut[headStart...]`.
    private func beginCompression(_ head: HTTPResponseHead, in buffer: UnsafeRawBufferPointer, headStart: Int) {
        guard ResponseCompression.shouldCompress(head, in: buffer, request: compressionFacts,
                                                 minSize: plane.config.compressMinSize) else { return }
        do {
            let compression = try self.compression ?? ResponseCompression()
            try compression.begin(chunked: head.framing == .chunked)
            self.compression = compression
        } catch {
            return  // zlib could not start: the response goes out as it is
        }
        compressing = true
        ResponseCompression.rewriteHead(&respOut, from: headStart)
    }

    /// The framed body bytes at the front of the upstream buffer go into `respOut`, gzipped.
    private func compressBody(_ up: UpstreamConnection) -> Bool {
        guard bodyPendingDown > 0, let compression else { return true }
        do {
            try compression.feed(up.buffer.bytes(0, bodyPendingDown), into: &respOut)
        } catch {
            teardown(cause: "gzip: \(error)")
            return false
        }
        up.buffer.consume(bodyPendingDown)
        bodyPendingDown = 0
        return true
    }

    private func finishCompression() -> Bool {
        do {
            try compression?.finish(into: &respOut)
        } catch {
            teardown(cause: "gzip: \(error)")
            return false
        }
        compressing = false
        return true
    }

    private func finishExchange() {
        let reusable = responseKeepAlive && !untilClose && requestDone && upstream?.buffer.isEmpty == true
        detachUpstream(reusable: reusable)
        logExchange()
        if clientKeepAlive && requestDone && !closeWhenDone && !state.isShuttingDown {
            startNextRequest()
        } else {
            lingerClose()
        }
    }

    private func startNextRequest() {
        phase = .awaitingHead
        status = 0
        cause = ""
        if inBuf.isEmpty {
            inBuf.release(state.buffers)
            setDeadline(.idle)
            client.resumeReading()
        } else {
            setDeadline(.head)
            if !parseHead() { client.resumeReading() }
        }
    }

    // MARK: failures

    private func upstreamEOF() {
        if responseHeadDone && untilClose {
            responseDone = true
            responseKeepAlive = false
            if compressing && !finishCompression() { return }
            return flushDown()
        }
        if !responseStarted { return upstreamClosedEarly("closed before responding") }
        if !responseHeadDone { return upstreamGarbage("closed mid-head") }
        teardown(cause: "server closed mid-body")
    }

    private func upstreamFailed(_ detail: String) {
        if !responseStarted { return upstreamClosedEarly(detail) }
        if !responseHeadDone { return upstreamGarbage(detail) }
        teardown(cause: "server: \(detail)")
    }

    /// Nothing came back: retry where that cannot run the request twice, else 502.
    private func upstreamClosedEarly(_ detail: String) {
        guard let up = upstream else { return }
        let server = up.server
        let wasReused = up.requests > 1
        detachUpstream(reusable: false)
        let resendable = headOutSent == 0 || (method.isIdempotent && requestDone && !bodyStreamed)
        guard resendable else { return respondError(502, cause: "server \(detail)") }
        if wasReused && !retriedStale, let route = plane.route, route.server == server {
            retriedStale = true
            return connect(route)
        }
        plane.controller.passiveFailure(server: server, detail: detail)
        tried.insert(server)
        phase = .routing
        route()
    }

    private func upstreamGarbage(_ detail: String) {
        if responseHeadDone { return teardown(cause: detail) }
        respondError(502, cause: detail)
    }

    /// Answers with the proxy's own error response, then closes the client connection.
    private func respondError(_ code: Int, cause: String, retryAfter: Int? = nil) {
        detachUpstream(reusable: false)
        connectAttempt?.cancel()
        connectAttempt = nil
        exchangeOpen = true
        status = code
        self.cause = cause
        phase = .responding
        client.pauseReading()
        respOut = HTTPErrorResponse.bytes(status: code, retryAfter: retryAfter)
        respOutSent = 0
        bodyPendingDown = 0
        setDeadline(.transfer)
        flushDown()
    }

    // MARK: closing

    /// FIN first, then read until the client closes (or a short time passes): closing with
    /// unread input would reset the connection and could destroy the response just sent.
    private func lingerClose() {
        logExchange()
        detachUpstream(reusable: false)
        phase = .lingering
        inBuf.release(state.buffers)
        if client.shutdownWrite() != nil { return teardown(cause: "") }
        deadlineKind = .linger
        deadline = state.now + UInt64(Self.lingerTime.wholeNanoseconds)
        state.deadlineSet(deadline)
        client.resumeReading()
    }

    private func discardClientInput() {
        let tail = inBuf.writableTail(state.buffers)
        for _ in 0..<16 {
            switch client.read(into: tail) {
            case .bytes: continue
            case .wouldBlock: return
            case .eof, .error: return teardown(cause: "")
            }
        }
    }

    /// Closes everything now; logs the exchange in progress with `cause`.
    private func teardown(cause: String) {
        guard phase != .closed else { return }
        if !cause.isEmpty && self.cause.isEmpty { self.cause = cause }
        logExchange()
        phase = .closed
        deadline = 0
        connectAttempt?.cancel()
        connectAttempt = nil
        detachUpstream(reusable: false)
        inBuf.release(state.buffers)
        state.remove(self)
        client.close()
        slot?.release()
    }

    /// Forced close: drain limit, end of shutdown.
    func closeNow() {
        if let forwarder { forwarder.close() } else { teardown(cause: "closed by proxy") }
    }

    /// `on-failover close`: the client connection ends after the response in progress.
    func closeAfterCurrentResponse() {
        closeWhenDone = true
        if phase == .awaitingHead && inBuf.isEmpty { teardown(cause: "") }
    }

    /// Shutdown began: an idle connection closes now, a busy one after its response.
    func closeIfIdle() {
        closeAfterCurrentResponse()
    }

    // MARK: upgrade

    /// After a 101 both sockets go to the TCP forwarder, with the bytes already read.
    private func startTunnel() {
        guard let up = upstream else { return teardown(cause: "") }
        upstream = nil
        let toUpstream = Array(inBuf.readable)
        let toClient = Array(up.buffer.readable)
        inBuf.release(state.buffers)
        up.buffer.release(state.buffers)
        phase = .tunnel
        deadline = 0
        let options = TCPForwarder.Options(idleTimeout: plane.config.idleTimeout, splice: plane.config.splice,
                                           initialToUpstream: toUpstream, initialToClient: toClient)
        guard client.stream is Socket, up.stream.stream is Socket else { return startTLSTunnel(up, options) }
        // The stream connections own (and will close) their descriptors: the tunnel takes duplicates.
        let clientFD = dup(client.stream.readinessDescriptor)
        let upstreamFD = dup(up.stream.stream.readinessDescriptor)
        up.close()
        client.close()
        guard clientFD >= 0, upstreamFD >= 0 else {
            if clientFD >= 0 { Glibc.close(clientFD) }
            if upstreamFD >= 0 { Glibc.close(upstreamFD) }
            phase = .exchanging
            return teardown(cause: "dup failed")
        }
        let forwarder = TCPForwarder(client: Socket(taking: clientFD), upstream: Socket(taking: upstreamFD),
                                     loop: plane.loop, options: options) { [weak self] stats in
            self?.tunnelClosed(stats)
        }
        self.forwarder = forwarder
        forwarder.start()
    }

    /// A TLS stream cannot be duplicated: both stream connections hand their streams over.
    private func startTLSTunnel(_ up: UpstreamConnection, _ options: TCPForwarder.Options) {
        var clientStream: (any ByteStream)?
        var upstreamStream: (any ByteStream)?
        let begin = { [weak self] in
            guard let clientStream, let upstreamStream else { return }
            guard let self else { clientStream.close(); upstreamStream.close(); return }
            let forwarder = TCPForwarder(client: clientStream, upstream: upstreamStream, loop: plane.loop,
                                         options: options) { [weak self] stats in
                self?.tunnelClosed(stats)
            }
            self.forwarder = forwarder
            forwarder.start()
        }
        up.owner = nil
        up.stream.detach { upstreamStream = $0; begin() }
        client.detach { clientStream = $0; begin() }
    }

    private func tunnelClosed(_ stats: ForwardStats) {
        if let server { plane.unregister(self, from: server) }
        bytesIn += stats.bytesUp
        bytesOut += stats.bytesDown
        cause = "tunnel " + stats.reason.logName
        logExchange()
        phase = .closed
        forwarder = nil
        state.remove(self)
        slot?.release()
    }

    // MARK: helpers

    private func setDeadline(_ kind: DeadlineKind) {
        deadlineKind = kind
        let timeout: Duration
        switch kind {
        case .none: deadline = 0; return
        case .head: timeout = plane.config.headTimeout
        case .idle, .response, .transfer: timeout = plane.config.idleTimeout
        case .linger: timeout = Self.lingerTime
        }
        deadline = state.now + UInt64(max(1, timeout.wholeNanoseconds))
        state.deadlineSet(deadline)
    }

    /// Bytes moved: the response wait and transfer deadlines start over.
    @inline(__always) private func touch() {
        if deadlineKind == .transfer || deadlineKind == .response {
            deadline = state.now + UInt64(max(1, plane.config.idleTimeout.wholeNanoseconds))
        }
    }

    private func logExchange() {
        guard exchangeOpen else { return }
        exchangeOpen = false
        plane.metrics.httpResponse(server: server, status: status, bytesIn: bytesIn, bytesOut: bytesOut)
        if let log = plane.accessLog {
            if startedNanos == 0 { startedNanos = WallClock.monotonicNanoseconds() }
            log.httpRequest(role: plane.config.name, client: peer, server: server, method: logMethod, target: logTarget,
                            status: status, bytesIn: bytesIn, bytesOut: bytesOut, startedNanos: startedNanos, cause: cause)
        }
        startedNanos = 0
        logMethod = "-"
        logTarget = "-"
        bytesIn = 0
        bytesOut = 0
        server = nil
    }
}
