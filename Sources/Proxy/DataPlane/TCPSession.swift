import EventLoop
import FailoverModel

/// One `mode tcp` client: waits for a route, connects to the active server, then forwards
/// with zero copies (splice) until either side is done. A TLS client or server side (its
/// handshake done before) goes through the copying path with one pooled buffer per direction.
///
/// A connect that fails (refused, timeout) is a passive health failure; the client then
/// waits for a route to a server it has not tried yet, within `hold`: a failover costs it a
/// short wait, not a dropped connection. A connect that fails on the proxy's own side (out
/// of descriptors) closes the client and blames no server. A connect still under way when
/// its server loses the role is given up, blaming no server, and the client waits for the
/// new route the same way: none of its bytes went to the old server.
final class TCPSession: ProxySession, HeldClient, @unchecked Sendable {  // confined to plane.loop.queue
    private let client: any ByteStream
    let peer: SocketAddress
    var peerDescription: String { peer.description }
    private let plane: RolePlane
    private let accepted = WallClock.monotonicNanoseconds()
    private var tried: Set<String> = []
    private var attempt: UpstreamConnect?
    /// Tells the completion of a connect given up by `routeLost` from the current one's.
    private var connectNumber = 0
    private var forwarder: TCPForwarder?
    private var server: String?
    private var retainedSelf: TCPSession?
    /// Set while held for a route.
    private var hangup: HangupWatch?
    /// The client's place under `max-connections`: given back when the session ends.
    private let slot: ConnectionSlot?

    init(client: any ByteStream, peer: SocketAddress, plane: RolePlane, slot: ConnectionSlot? = nil) {
        self.client = client
        self.peer = peer
        self.plane = plane
        self.slot = slot
    }

    func start() {
        retainedSelf = self
        waitForRoute()
    }

    private func waitForRoute() {
        plane.admission(tried: tried, client: self) { [self] admitted in
            switch admitted {
            case .success(let route): connect(to: route)
            case .failure(let refusal): end(server: nil, up: 0, down: 0, outcome: refusal.tcpOutcome)
            }
        }
    }

    private func connect(to route: Route) {
        tried.insert(route.server)
        connectNumber &+= 1
        let number = connectNumber
        plane.connectStarted(self, to: route.server)
        attempt = UpstreamConnect.start(to: route.address, tls: plane.upstreamTLS(for: route.server), on: plane.loop,
                                        timeout: plane.config.connectTimeout) { [self] result in
            guard number == connectNumber else {
                // Given up by `routeLost`: a socket that connected meanwhile is not used.
                if case .success(let upstream) = result { upstream.close() }
                return
            }
            attempt = nil
            plane.connectEnded(self, to: route.server)
            switch result {
            case .success(let upstream):
                forward(to: upstream, server: route.server)
            case .failure(let error) where error.isCancelled:
                end(server: route.server, up: 0, down: 0, outcome: "cancelled")
            case .failure(let error) where error.localShortage != nil:
                plane.localShortage(error.localShortage!, place: "connect")
                end(server: nil, up: 0, down: 0, outcome: "local-resource")
            case .failure(let error):
                // A certificate that fails verification is a server that cannot be used.
                plane.controller.passiveFailure(server: route.server, detail: error.description)
                waitForRoute()
            }
        }
    }

    /// `server` lost the role while this session connects to it: the connect is given up
    /// (its late completion ignored) and the session asks for a route again. The server
    /// did not fail it, so the server may take it if it gets the role back.
    func routeLost(_ server: String) {
        guard let attempt else { return }
        self.attempt = nil
        connectNumber &+= 1
        attempt.cancel()
        tried.remove(server)
        waitForRoute()
    }

    private func forward(to upstream: any ByteStream, server: String) {
        self.server = server
        let options = TCPForwarder.Options(idleTimeout: plane.config.idleTimeout, splice: plane.config.splice,
                                           onPipeShortage: { [plane] error in plane.localShortage(error, place: "splice") })
        let forwarder = TCPForwarder(client: client, upstream: upstream, loop: plane.loop, options: options) { [self] stats in
            plane.unregister(self, from: server)
            if case .error(.upstream, let error) = stats.reason, error.errno == .connectionReset {
                plane.controller.passiveFailure(server: server, detail: "reset by server")
            }
            end(server: server, up: stats.bytesUp, down: stats.bytesDown, outcome: stats.reason.logName)
        }
        self.forwarder = forwarder
        plane.register(self, on: server)
        forwarder.start()
    }

    func watchHangup(_ gone: (() -> Void)?) {
        hangup?.cancel()
        hangup = gone.map { HangupWatch(stream: client, loop: plane.loop, gone: $0) }
    }

    func heldClientGone() {
        end(server: nil, up: 0, down: 0, outcome: "client-gone-while-held")
    }

    func closeNow() {
        if let forwarder { forwarder.close() } else { attempt?.cancel() }
    }

    private func end(server: String?, up: UInt64, down: UInt64, outcome: String) {
        if forwarder == nil { client.close() }  // the forwarder closes both ends itself
        slot?.release()
        plane.metrics.sessionEnded(server: server, bytesIn: up, bytesOut: down)
        plane.accessLog?.tcpSession(role: plane.config.name, client: peer, server: server,
                                    bytesUp: up, bytesDown: down, startedNanos: accepted, outcome: outcome)
        retainedSelf = nil
    }
}

extension ForwardCloseReason {
    var logName: String {
        switch self {
        case .completed: return "completed"
        case .idleTimeout: return "idle-timeout"
        case .forced: return "closed-by-proxy"
        case .error(let side, let error): return "\(side == .client ? "client" : "server")-error:\(error.errno)"
        }
    }
}
