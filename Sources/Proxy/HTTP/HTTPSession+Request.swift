import EventLoop
import HTTP1
import HTTPExchange

/// Client → upstream: the request head and body.
extension HTTPSession {
    func readHead() {
        while case .awaitingHead = machine.state {
            let tail = inBuf.writableTail(state.buffers)
            if tail.isEmpty { return run(machine.requestRejected(status: 431, cause: "head larger than buffer", now: now)) }
            switch client.read(into: tail) {
            case .bytes(let n):
                inBuf.end += n
                machine.clientBytes(now: now)
                if parseHead() { return }
            case .wouldBlock:
                inBuf.releaseIfEmpty(state.buffers)
                return
            case .eof, .error:
                return run(machine.clientClosed(midHead: !inBuf.isEmpty))
            }
        }
    }

    /// Parses what `inBuf` holds; true when the head is done with (forwarded or answered).
    func parseHead() -> Bool {
        switch parser.parse(inBuf.readable) {
        case .needMore: return false
        case .error(let e):
            run(machine.requestRejected(status: e.status, cause: "bad request: \(e)", now: now))
            return true
        case .complete(let head, let headLength):
            beginExchange(head, headLength: headLength)
            return true
        }
    }

    private func beginExchange(_ head: HTTPRequestHead, headLength: Int) {
        client.pauseReading()
        machine.settings = Self.settings(plane.config)
        var record = ExchangeRecord()
        if plane.accessLog?.isOn == true {
            record.startedNanos = WallClock.monotonicNanoseconds()  // the access log measures on the system clock
            record.method = head.methodString(in: inBuf.readable)
            record.target = head.targetString(in: inBuf.readable)
        }
        record.bytesIn = UInt64(headLength)
        if plane.config.compress {
            let accept = head.values(forName: "Accept-Encoding", in: inBuf.readable)
            compressionFacts = ResponseCompression.RequestFacts(
                acceptEncoding: accept.isEmpty ? nil : accept.joined(separator: ","),
                hasRange: head.firstField(named: "Range", in: inBuf.readable) != nil,
                isHead: head.method == .head, isHTTP10: head.version == .http1_0)
        }
        headOut.removeAll(keepingCapacity: true)
        headOut.reserveCapacity(Self.forwardedCapacity(headLength: headLength, buffered: inBuf.count))
        head.writeForwarded(from: inBuf.readable, clientAddress: peerHost, forwardedProto: forwardedProto,
                            connection: head.isUpgrade ? .upgrade : .keepAlive, into: &headOut)
        epochField = headOut.count - 2..<headOut.count - 2  // before the head's final CRLF
        inBuf.consume(headLength)
        requestFramer = BodyFramer(head.framing)
        bodyPendingUp = 0
        splicingUp = false
        if case .contentLength(let n) = head.framing { requestBodyUnread = n } else { requestBodyUnread = nil }
        let routeAction = machine.requestHead(.init(head, bodyComplete: requestFramer.isComplete), record: record)
        if let e = frameBody() {
            // The route is not asked for: the answer is the error.
            return run(machine.requestRejected(status: e.status, cause: "bad request body: \(e)", now: now))
        }
        if bodyPendingUp > 0 && bodyPendingUp <= Self.inlineBodyLimit {
            headOut.append(contentsOf: inBuf.bytes(0, bodyPendingUp))
            inBuf.consume(bodyPendingUp)
            machine.record?.bytesIn += UInt64(bodyPendingUp)
            bodyPendingUp = 0
        }
        run(routeAction)
    }

    /// Frames the unframed bytes at the front of `inBuf` (only when none are pending).
    func frameBody() -> HTTPParseError? {
        guard bodyPendingUp == 0, !inBuf.isEmpty, !machine.requestBodyComplete else { return nil }
        switch requestFramer.consume(inBuf.readable) {
        case .needMore(let n): bodyPendingUp = n
        case .complete(let n): bodyPendingUp = n; machine.requestBodyFramed(complete: true)
        case .error(let e): return e
        }
        if let unread = requestBodyUnread { requestBodyUnread = unread - bodyPendingUp }
        return nil
    }

    func readBody() {
        let tail = inBuf.writableTail(state.buffers)
        switch client.read(into: tail) {
        case .bytes(let n):
            inBuf.end += n
            if let e = frameBody() {
                return run(machine.requestRejected(status: e.status, cause: "bad request body: \(e)", now: now))
            }
            machine.progress(now: now)
            flushUp()
        case .wouldBlock:
            return
        case .eof, .error:
            run(machine.clientClosed(midHead: false))
        }
    }

    func flushUp() {
        guard let up = upstream else { return }
        while headOutSent < headOut.count {
            let result = headOut.withUnsafeBytes { up.stream.write(UnsafeRawBufferPointer(rebasing: $0[headOutSent...])) }
            switch result {
            case .written(let n):
                if headOutSent == 0 { machine.requestSent(body: false) }
                headOutSent += n
                if headOutSent < headOut.count { return }
            case .wouldBlock: return
            case .error(let e): return upstreamEnded(.failed("write: \(e.errno)"))
            }
        }
        while true {
            while bodyPendingUp > 0 {
                switch up.stream.write(inBuf.bytes(0, bodyPendingUp)) {
                case .written(let n):
                    machine.requestSent(body: true)
                    inBuf.consume(n)
                    bodyPendingUp -= n
                    machine.record?.bytesIn += UInt64(n)
                    machine.progress(now: now)
                    if bodyPendingUp > 0 { client.pauseReading(); return }
                case .wouldBlock:
                    client.pauseReading()
                    return
                case .error(let e):
                    return upstreamEnded(.failed("write: \(e.errno)"))
                }
            }
            if machine.requestBodyComplete {
                client.pauseReading()
                return
            }
            if splicingUp || startSplicingUp(up) { return pumpUp() }
            if let e = frameBody() {
                return run(machine.requestRejected(status: e.status, cause: "bad request body: \(e)", now: now))
            }
            if bodyPendingUp == 0 {
                client.resumeReading()
                return
            }
        }
    }

    /// The exchange ended with the client connection kept: the next head is read (or parsed
    /// from what is already buffered: a pipelined request).
    func startNextRequest() {
        if inBuf.isEmpty {
            // Idle: nothing of the last exchange stays with the connection (its buffer goes
            // back to the pool, the forwarded heads' storage to the allocator).
            inBuf.release(state.buffers)
            headOut = []
            respOut = []
            client.resumeReading()
        } else if !parseHead() {
            client.resumeReading()
        }
    }
}
