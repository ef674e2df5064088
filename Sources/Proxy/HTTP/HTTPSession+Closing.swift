#if canImport(Glibc)
import Glibc
#endif
import EventLoop
import HTTPExchange

/// The ends of a client connection: lingering close, teardown, the tunnel after a 101,
/// and the exchange's record for the access log and metrics.
extension HTTPSession {
    /// FIN first, then read until the client closes (or a short time passes): closing with
    /// unread input would reset the connection and could destroy the response just sent.
    func lingerClose() {
        logExchange()
        detachUpstream(reusable: false)
        inBuf.release(state.buffers)
        if client.shutdownWrite() != nil { return run(machine.fail("")) }
        client.resumeReading()
    }

    /// The request was read whole with nothing after it: FIN (close_notify on TLS), close.
    func closeAfterFIN() {
        _ = client.shutdownWrite()
        teardown()
    }

    func discardClientInput() {
        let tail = inBuf.writableTail(state.buffers)
        for _ in 0..<16 {
            switch client.read(into: tail) {
            case .bytes: continue
            case .wouldBlock: return
            case .eof, .error: return run(machine.clientClosed(midHead: false))
            }
        }
    }

    /// Closes everything now; logs the exchange in progress (the machine wrote its cause).
    func teardown() {
        logExchange()
        cancelConnect()
        detachUpstream(reusable: false)
        inBuf.release(state.buffers)
        state.remove(self)
        client.close()
        slot?.release()
    }

    func logExchange() {
        guard var record = machine.takeRecord() else { return }
        plane.metrics.httpResponse(server: record.server, status: record.status, bytesIn: record.bytesIn, bytesOut: record.bytesOut)
        if let log = plane.accessLog {
            if record.startedNanos == 0 { record.startedNanos = WallClock.monotonicNanoseconds() }
            log.httpRequest(role: plane.config.name, client: peerDescription, server: record.server, method: record.method,
                            target: record.target, status: record.status, bytesIn: record.bytesIn, bytesOut: record.bytesOut,
                            startedNanos: record.startedNanos, cause: record.cause)
        }
    }

    // MARK: upgrade

    /// After a 101 both sockets go to the TCP forwarder, with the bytes already read.
    func startTunnel() {
        guard let up = upstream else { return run(machine.fail("")) }
        upstream = nil
        tunnelServer = up.server
        let toUpstream = Array(inBuf.readable)
        let toClient = Array(up.buffer.readable)
        inBuf.release(state.buffers)
        up.buffer.release(state.buffers)
        // A pipe shortage in the tunnel is counted like any other in the data plane.
        let options = TCPForwarder.Options(idleTimeout: plane.config.idleTimeout, splice: plane.config.splice,
                                           initialToUpstream: toUpstream, initialToClient: toClient,
                                           onPipeShortage: { [plane] error in plane.localShortage(error, place: "splice") })
        startTunnel(up, options)
    }

    /// Both stream connections hand their streams (sockets or TLS) over to the forwarder,
    /// unwatched: no descriptor is duplicated, since a watched socket closed while a
    /// duplicate lives would stay in the epoll set (`IOWatcher.cancelClosing`).
    private func startTunnel(_ up: UpstreamConnection, _ options: TCPForwarder.Options) {
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
        if let tunnelServer { plane.unregister(self, from: tunnelServer) }
        machine.record?.bytesIn += stats.bytesUp
        machine.record?.bytesOut += stats.bytesDown
        machine.tunnelClosed(reason: stats.reason.logName)
        logExchange()
        forwarder = nil
        state.remove(self)
        slot?.release()
    }
}
