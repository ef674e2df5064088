import EventLoop
import HTTP1
import HTTPExchange

/// Routing and upstream connections: a pooled one when it may be used, else a new one.
extension HTTPSession {
    func route(tried: Set<String>) {
        // Fast path, same rule as `admit`: no closure to allocate for the usual request.
        if !plane.isShuttingDown, plane.mayForward, let route = plane.route, !tried.contains(route.server) {
            return routed(.success(route))
        }
        plane.admission(tried: tried, client: self) { [weak self] result in self?.drive { $0.routed(result) } }
    }

    private func routed(_ result: Result<Route, AdmissionRefusal>) {
        guard case .routing = machine.state else { return }
        switch result {
        case .success(let route):
            currentRoute = route
            if route.epoch != nil { setEpochField(route.epochField) }
            run(machine.routed(server: route.server, shuttingDown: state.isShuttingDown, now: now))
        case .failure(let refusal):
            run(machine.noRoute(cause: refusal.httpCause, now: now))
        }
    }

    /// Cluster mode: `X-Failover-Epoch` of the route taken, replacing the one of an earlier try.
    private func setEpochField(_ field: [UInt8]) {
        headOut.replaceSubrange(epochField, with: field)
        epochField = epochField.lowerBound..<epochField.lowerBound + field.count
    }

    func useServer(_ server: String, _ poolUse: HTTPExchange.PoolUse) {
        guard let route = currentRoute, route.server == server else { return run(machine.fail("no route")) }
        if case .pooled(let verify) = poolUse, let pooled = state.pool.take(server: server, verify: verify) {
            attach(pooled)
        } else {
            connect(route)
        }
    }

    func connect(_ route: Route) {
        currentRoute = route
        connectNumber &+= 1
        let number = connectNumber
        connectAttempt = UpstreamConnect.start(to: route.address, tls: plane.upstreamTLS(for: route.server), on: plane.loop,
                                               timeout: plane.config.connectTimeout) { [self] result in
            // Held strongly (a weak capture would slow every retain of the session): the
            // attempt ends by completing or by `cancelConnect`, which the close calls.
            drive { $0.connected(result, route, number: number) }
        }
    }

    func cancelConnect() {
        let attempt = connectAttempt
        connectAttempt = nil
        connectNumber &+= 1
        attempt?.cancel()
    }

    private func connected(_ result: Result<any ByteStream, UpstreamConnectError>, _ route: Route, number: Int) {
        guard number == connectNumber, case .connecting(_, let server) = machine.state, server == route.server else {
            if case .success(let stream) = result { stream.close() }
            return
        }
        connectAttempt = nil
        switch result {
        case .success(let stream):
            attach(UpstreamConnection(stream: stream, server: route.server, loop: plane.loop, bufferSize: state.buffers.bufferSize))
        case .failure(let error) where error.isCancelled:
            run(machine.connectFailed(.cancelled, now: now))
        case .failure(let error) where error.localShortage != nil:
            // The proxy's own limit, not the server's: no retry elsewhere would fare better.
            plane.localShortage(error.localShortage!, place: "connect")
            run(machine.connectFailed(.localShortage("\(error.localShortage!.errno)"), now: now))
        case .failure(let error):
            // A certificate that fails verification is a server that cannot be used.
            run(machine.connectFailed(.server(error.description), now: now))
        }
    }

    private func attach(_ up: UpstreamConnection) {
        upstream = up
        up.owner = self
        up.requests += 1
        plane.register(self, on: up.server)
        headOutSent = 0
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
        let action = machine.upstreamAttached(reused: up.requests > 1, now: now)
        up.stream.resumeReading()
        run(action)
    }

    /// Lets go of the upstream connection: back to the pool when it is clean, else closed.
    func detachUpstream(reusable: Bool) {
        guard let up = upstream else { return }
        upstream = nil
        stopSplicing(up)
        plane.unregister(self, from: up.server)
        if reusable && !state.isShuttingDown && plane.route?.server == up.server {
            state.pool.put(up, now: now, buffers: state.buffers)
        } else {
            up.buffer.release(state.buffers)
            up.close()
        }
    }
}
