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

    /// client → pipe → upstream by the shared pump, a bounded number of rounds per wake-up.
    func pumpUp() {
        guard splicingUp, let up = upstream, var unread = requestBodyUnread else { return }
        let result = client.splice(to: up.stream, remaining: &unread, rounds: 16)
        requestBodyUnread = unread
        if result.moved > 0 {
            machine.requestSent(body: true)
            machine.record?.bytesIn += UInt64(result.moved)
            HTTPSpliceStatistics.addRequest(result.moved)
            machine.progress(now: now)
        }
        switch result.stop {
        case .sinkBlocked:
            client.pauseReading()  // the upstream's onWritable is armed
        case .sourceIdle:
            client.resumeReading()
        case .roundLimit(let pending, _):
            // Go on from the next event.
            if pending { up.stream.armWritable() } else { client.resumeReading() }
        case .limitReached:
            splicingUp = false
            machine.requestBodyFramed(complete: true)
            client.pauseReading()  // pipelined requests wait in the kernel
        case .noPipe(let error):
            plane.localShortage(error, place: "splice")
            // The rest goes the copying way, framed from where the splice stopped.
            spliceUnavailable = true
            splicingUp = false
            requestFramer = BodyFramer(.contentLength(unread))
            client.resumeReading()
        case .sinkFailed(let error):
            upstreamEnded(.failed("write: \(error.errno)"))
        case .sourceEnded, .sourceFailed:
            run(machine.clientClosed(midHead: false))
        }
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
        guard splicingDown, let up = upstream, var unread = responseBodyUnread else { return }
        let result = up.stream.splice(to: client, remaining: &unread, rounds: 16)
        responseBodyUnread = unread
        if result.moved > 0 {
            machine.record?.bytesOut += UInt64(result.moved)
            HTTPSpliceStatistics.addResponse(result.moved)
            machine.progress(now: now)
        }
        switch result.stop {
        case .sinkBlocked:
            up.stream.pauseReading()  // the client's onWritable is armed
        case .sourceIdle:
            up.stream.resumeReading()
        case .roundLimit(let pending, _):
            if pending { client.armWritable() } else { up.stream.resumeReading() }
        case .limitReached:
            splicingDown = false
            machine.responseBodyFramed(complete: true)
            flushDown()  // finishes the exchange
        case .noPipe(let error):
            plane.localShortage(error, place: "splice")
            spliceUnavailable = true
            splicingDown = false
            responseFramer = BodyFramer(.contentLength(unread))
            up.stream.resumeReading()
        case .sinkFailed:
            run(machine.fail("client gone"))
        case .sourceEnded:
            upstreamEnded(.eof)
        case .sourceFailed(let error):
            upstreamEnded(.failed("read: \(error.errno)"))
        }
    }

    /// The exchange ends or fails mid-splice: bytes still in a pipe are dropped with it.
    func stopSplicing(_ up: UpstreamConnection) {
        if splicingUp { client.releaseSplicePipe() }
        if splicingDown { up.stream.releaseSplicePipe() }
        splicingUp = false
        splicingDown = false
    }
}
