import EventLoop
import HTTP1
import HTTPExchange

/// Upstream → client: the response head and body, gzip, and the proxy's own error responses.
extension HTTPSession {
    func readUpstream() {
        guard machine.isExchanging, let up = upstream else { return }
        if splicingDown { return pumpDown() }
        if bodyPendingDown > 0 || !respOut.isEmpty { up.stream.pauseReading(); return }
        for _ in 0..<8 {
            let tail = up.buffer.writableTail(state.buffers)
            if tail.isEmpty { return run(machine.responseInvalid("response head too large", now: now)) }
            switch up.stream.read(into: tail) {
            case .bytes(let n):
                up.buffer.end += n
                machine.responseBytes(now: now)
                guard processResponse() else { return }
            case .wouldBlock:
                // The server paused: what zlib holds goes out now.
                if compressing && !machine.responseComplete && bodyPendingDown == 0 && respOut.isEmpty {
                    do { try compression?.flush(into: &respOut) } catch { return run(machine.fail("gzip: \(error)")) }
                    if !respOut.isEmpty { flushDown() }
                }
                return
            case .eof: return upstreamEnded(.eof)
            case .error(let e): return upstreamEnded(.failed("read: \(e.errno)"))
            }
        }
    }

    /// Parses and frames what the upstream buffer holds, then writes; true to keep reading.
    func processResponse() -> Bool {
        guard let up = upstream else { return false }
        while !machine.responseHeadDone {
            let method = machine.request?.method ?? .get
            switch up.parser.parse(up.buffer.readable, requestMethod: method) {
            case .needMore:
                if !respOut.isEmpty { flushDown() }  // an interim response goes out at once
                return machine.isReceivingResponse && upstream === up && respOut.isEmpty
            case .error(let e):
                run(machine.responseInvalid("bad response: \(e)", now: now))
                return false
            case .complete(let head, let headLength):
                let compressible = machine.settings.compress && !head.isInterim && head.status != 101
                    && ResponseCompression.shouldCompress(head, in: up.buffer.readable, request: compressionFacts,
                                                          minSize: plane.config.compressMinSize)
                let action = machine.responseHead(.init(head, compressible: compressible), shuttingDown: state.isShuttingDown,
                                                  now: now)
                switch action {
                case .forwardInterim:  // 100 Continue and friends go through as received
                    respOut.append(contentsOf: up.buffer.bytes(0, headLength))
                    up.buffer.consume(headLength)
                case .dropInterim:
                    up.buffer.consume(headLength)
                case .forwardUpgrade:
                    head.writeForwarded(from: up.buffer.readable, connection: .upgrade, into: &respOut)
                    up.buffer.consume(headLength)
                    flushDown()
                    return false
                case .forwardHead(let keepAlive, let compress):
                    let headStart = respOut.count
                    respOut.reserveCapacity(headStart + Self.forwardedCapacity(headLength: headLength, buffered: up.buffer.count))
                    head.writeForwarded(from: up.buffer.readable, connection: keepAlive ? .keepAlive : .close, into: &respOut)
                    if compress { beginCompression(head, headStart: headStart) }
                    up.buffer.consume(headLength)
                    responseFramer = BodyFramer(head.framing)
                    if case .contentLength(let n) = head.framing { responseBodyUnread = n } else { responseBodyUnread = nil }
                default:
                    run(action)
                    return false
                }
            }
        }
        if !machine.responseComplete && bodyPendingDown == 0 && !up.buffer.isEmpty {
            switch responseFramer.consume(up.buffer.readable) {
            case .needMore(let n): bodyPendingDown = n
            case .complete(let n): bodyPendingDown = n; machine.responseBodyFramed(complete: true)
            case .error(let e):
                run(machine.responseInvalid("bad response body: \(e)", now: now))
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
        if compressing && machine.responseComplete && bodyPendingDown == 0 && !finishCompression() { return false }
        flushDown()
        // Not when the response finished meanwhile (the machine moved on; the queue ends it).
        return machine.isReceivingResponse && upstream === up && bodyPendingDown == 0 && respOut.isEmpty && !splicingDown
    }

    func flushDown() {
        while respOutSent < respOut.count {
            let result = respOut.withUnsafeBytes { client.write(UnsafeRawBufferPointer(rebasing: $0[respOutSent...])) }
            switch result {
            case .written(let n):
                respOutSent += n
                machine.record?.bytesOut += UInt64(n)
                if respOutSent < respOut.count { upstream?.stream.pauseReading(); return }
            case .wouldBlock:
                upstream?.stream.pauseReading()
                return
            case .error:
                return run(machine.fail("client gone"))
            }
        }
        respOut.removeAll(keepingCapacity: true)
        respOutSent = 0
        guard machine.isExchanging, let up = upstream else { return run(outputDrained()) }
        if splicingDown { return pumpDown() }
        while bodyPendingDown > 0 {
            switch client.write(up.buffer.bytes(0, bodyPendingDown)) {
            case .written(let n):
                up.buffer.consume(n)
                bodyPendingDown -= n
                machine.record?.bytesOut += UInt64(n)
                machine.progress(now: now)
                if bodyPendingDown > 0 { up.stream.pauseReading(); return }
            case .wouldBlock:
                up.stream.pauseReading()
                return
            case .error:
                return run(machine.fail("client gone"))
            }
        }
        let action = outputDrained()
        guard action == .continueResponse else { return run(action) }
        if machine.responseHeadDone && !up.buffer.isEmpty {
            _ = processResponse()  // bytes read past what was framed while output was pending
            return
        }
        if startSplicingDown(up) { return pumpDown() }
        up.stream.resumeReading()
    }

    private func outputDrained() -> HTTPExchange.Action {
        machine.outputDrained(upstreamBufferEmpty: upstream?.buffer.isEmpty ?? true, clientBufferEmpty: inBuf.isEmpty,
                              shuttingDown: state.isShuttingDown, now: now)
    }

    /// The proxy's own response; the connection closes after it.
    func writeErrorResponse(_ status: Int, retryAfter: Int?) {
        detachUpstream(reusable: false)
        cancelConnect()
        client.pauseReading()
        respOut = HTTPErrorResponse.bytes(status: status, retryAfter: retryAfter)
        respOutSent = 0
        bodyPendingDown = 0
        flushDown()
    }

    // MARK: compression

    /// The head just written at `respOut[headStart...]` becomes that of a gzipped body.
    private func beginCompression(_ head: HTTPResponseHead, headStart: Int) {
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
            run(machine.fail("gzip: \(error)"))
            return false
        }
        up.buffer.consume(bodyPendingDown)
        bodyPendingDown = 0
        return true
    }

    func finishCompression() -> Bool {
        do {
            try compression?.finish(into: &respOut)
        } catch {
            run(machine.fail("gzip: \(error)"))
            return false
        }
        compressing = false
        return true
    }
}
