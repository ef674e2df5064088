import EventLoop
import HTTP1
import HTTPExchange

/// Zero-copy bodies: the large rest of a Content-Length body between two plain sockets goes
/// socket → pipe → socket by splice(2), with the same backpressure as the copying path: a
/// side is read only into an empty or draining pipe.
extension HTTPSession {
    /// The rest of a Content-Length request body is large and `inBuf` holds none of it:
    /// it goes by splice from now on (and the request can no longer be resent).
    func startSplicingUp(_ up: UpstreamConnection) -> Bool {
        guard plane.config.splice, !spliceUnavailable, let unread = requestBodyUnread, unread >= Self.spliceThreshold, inBuf.isEmpty,
              bodyPendingUp == 0, client.canSplice(to: up.stream) else { return false }
        inBuf.release(state.buffers)
        splicingUp = true
        return true
    }

    /// client → pipe → upstream, a bounded number of rounds per wake-up. Reads only while
    /// the pipe is empty or the upstream takes what it holds (backpressure).
    func pumpUp() {
        guard splicingUp, let up = upstream else { return }
        for _ in 0..<16 {
            if client.splicePending > 0 {
                switch client.spliceOut(to: up.stream) {
                case .written(let n):
                    machine.requestSent(body: true)
                    machine.record?.bytesIn += UInt64(n)
                    HTTPSpliceStatistics.addRequest(n)
                    machine.progress(now: now)
                    if client.splicePending > 0 { client.pauseReading(); return }  // upstream full: its onWritable is armed
                case .wouldBlock:
                    client.pauseReading()
                    return
                case .error(let e):
                    return upstreamEnded(.failed("write: \(e.errno)"))
                }
            }
            guard let unread = requestBodyUnread, unread > 0 else {
                splicingUp = false
                machine.requestBodyFramed(complete: true)
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
                return run(machine.clientClosed(midHead: false))
            }
        }
        // Round limit: go on from the next event.
        if client.splicePending > 0 { up.stream.armWritable() } else { client.resumeReading() }
    }

    /// The rest of a Content-Length response body is large, not gzipped, and the upstream
    /// buffer holds none of it: it goes by splice from now on.
    func startSplicingDown(_ up: UpstreamConnection) -> Bool {
        guard plane.config.splice, !spliceUnavailable, machine.responseHeadDone, machine.isReceivingResponse, !compressing,
              let unread = responseBodyUnread, unread >= Self.spliceThreshold, up.buffer.isEmpty, bodyPendingDown == 0,
              respOut.isEmpty, up.stream.canSplice(to: client) else { return false }
        up.buffer.release(state.buffers)
        splicingDown = true
        return true
    }

    /// upstream → pipe → client, like `pumpUp`.
    func pumpDown() {
        guard splicingDown, let up = upstream else { return }
        for _ in 0..<16 {
            if up.stream.splicePending > 0 {
                switch up.stream.spliceOut(to: client) {
                case .written(let n):
                    machine.record?.bytesOut += UInt64(n)
                    HTTPSpliceStatistics.addResponse(n)
                    machine.progress(now: now)
                    if up.stream.splicePending > 0 { up.stream.pauseReading(); return }  // client full: its onWritable is armed
                case .wouldBlock:
                    up.stream.pauseReading()
                    return
                case .error:
                    return run(machine.fail("client gone"))
                }
            }
            guard let unread = responseBodyUnread, unread > 0 else {
                splicingDown = false
                machine.responseBodyFramed(complete: true)
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
                return upstreamEnded(.eof)
            case .error(let e):
                return upstreamEnded(.failed("read: \(e.errno)"))
            }
        }
        if up.stream.splicePending > 0 { client.armWritable() } else { up.stream.resumeReading() }
    }

    /// A pipe could not be borrowed (only then is `pipe2` the failing call, with nothing spliced in).
    private static func isPipeShortage(_ error: SyscallError) -> Bool { error.call == "pipe2" }

    /// The exchange ends or fails mid-splice: bytes still in a pipe are dropped with it.
    func stopSplicing(_ up: UpstreamConnection) {
        if splicingUp { client.releaseSplicePipe() }
        if splicingDown { up.stream.releaseSplicePipe() }
        splicingUp = false
        splicingDown = false
    }
}
