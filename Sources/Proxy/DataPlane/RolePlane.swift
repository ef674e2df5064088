import EventLoop
import ProxyConfig

/// One role as one loop sees it: the route new sessions take, the sessions open per server,
/// and the clients held while the role has no server they can use.
///
/// The controller publishes routes here with `update`; sessions ask `admit` for a route.
/// Everything happens on `loop`: no lock.
final class RolePlane: @unchecked Sendable {  // confined to loop.queue
    let loop: EventLoop
    /// Replaced by a reload; read by new sessions.
    var config: RoleConfig
    /// Replaced by a reload when the TLS settings or files changed; read by new sessions.
    var tls: RoleTLS
    unowned let controller: RoleController
    let accessLog: AccessLog?
    let metrics: TrafficMetrics
    private(set) var route: Route?
    private let sessions = ServerBuckets { IdentitySet<ProxySession>() }
    /// `mode tcp` sessions whose connect to a server is still under way, by server.
    private let connecting = ServerBuckets { IdentitySet<TCPSession>() }
    private var waiters: [Waiter] = []
    private(set) var isShuttingDown = false
    /// `mode http` state of this loop (buffers, upstream pool, clients); created on first accept.
    var http: HTTPPlaneState?
    /// TLS clients still in their handshake (a retired loop waits for them too).
    var pendingHandshakes = 0
    /// Cluster mode: closed while the member is stale (`on-store-loss stop`).
    let gate: ClusterGate?

    init(loop: EventLoop, config: RoleConfig, tls: RoleTLS, controller: RoleController, accessLog: AccessLog?,
         gate: ClusterGate? = nil) {
        self.loop = loop
        self.gate = gate
        self.config = config
        self.tls = tls
        self.controller = controller
        self.accessLog = accessLog
        self.metrics = TrafficMetrics(role: config.name, mode: config.mode.rawValue)
    }

    // MARK: routes

    /// A new active server (or none). Sessions on the server that lost the role are handed
    /// over as the move requires; TCP sessions still connecting there are routed again,
    /// whatever the move (nothing of theirs reached it); held clients go to the new server.
    func update(route newRoute: Route?, lost: String?, handover: Handover) {
        route = newRoute
        if let lost, lost != newRoute?.server {
            http?.serverLost(lost)
            for session in connecting.remove(lost)?.all ?? [] { session.routeLost(lost) }
            handOver(sessionsOn: lost, handover)
        }
        releaseWaiters()
    }

    private func handOver(sessionsOn server: String, _ handover: Handover) {
        let affected = sessions[server]?.all ?? []
        switch handover {
        case .keep: return
        case .closeNow:
            for session in affected {
                // An HTTP client keeps the answer in progress (it may be retried on the new server).
                if let http = session as? HTTPSession { http.closeAfterCurrentResponse() } else { session.closeNow() }
            }
        case .drain(let limit):
            // Exactly the sessions open now: if the role comes back meanwhile, new ones stay.
            let draining = affected.map { WeakSession($0) }
            _ = loop.scheduleTimer(after: limit) {
                for session in draining { session.value?.closeNow() }
            }
        }
    }

    /// How to speak TLS to `server`; nil for a plain one.
    func upstreamTLS(for server: String) -> UpstreamTLS? {
        guard tls.client != nil else { return nil }
        return tls.upstream(config.server(named: server))
    }

    /// The proxy's own side ran out of something: counted and logged, blamed on no server.
    func localShortage(_ error: SyscallError, place: String) {
        LocalShortage.shared.report(error, place: place, role: config.name, logger: controller.logger)
    }

    // MARK: admission and holding

    /// False while a cluster member is stale with `on-store-loss stop`: nothing is forwarded.
    var mayForward: Bool { gate?.mayForward ?? true }

    /// Calls `resume` with a route to a server not in `tried`, now or once one is published,
    /// or with why there is none: `hold` ran out first (or the proxy shuts down), or, at once,
    /// the role already holds `hold-queue` clients. While it waits, a `client` that goes
    /// away leaves the hold queue at once (`resume` is then not called).
    func admission(tried: Set<String>, client: HeldClient? = nil, _ resume: @escaping (Result<Route, AdmissionRefusal>) -> Void) {
        if isShuttingDown || !mayForward { resume(.failure(.noServer)); return }
        if let route, !tried.contains(route.server) { resume(.success(route)); return }
        guard controller.heldClients.tryHold(limit: config.holdQueue) else {
            metrics.holdQueueFull()
            resume(.failure(.holdQueueFull))
            return
        }
        let waiter = Waiter(tried: tried, client: client, held: controller.heldClients) { route in
            resume(route.map { .success($0) } ?? .failure(.noServer))
        }
        waiters.append(waiter)
        waiter.timer = loop.scheduleTimer(after: config.hold) { [weak self, weak waiter] in
            guard let self, let waiter else { return }
            waiters.removeAll { $0 === waiter }
            waiter.fire(nil)
        }
        client?.watchHangup { [weak self, weak waiter] in
            guard let self, let waiter else { return }
            waiters.removeAll { $0 === waiter }
            waiter.abandon()
            controller.logger.info("held client gone", metadata: ["client": .string(client.map { $0.peerDescription } ?? "-")])
            client?.heldClientGone()
        }
    }

    /// Clients held on this loop now.
    var heldCount: Int { waiters.count }

    private func releaseWaiters() {
        guard let route, !waiters.isEmpty else { return }
        let ready = waiters.filter { !$0.tried.contains(route.server) }
        guard !ready.isEmpty else { return }
        waiters.removeAll { !$0.tried.contains(route.server) }
        for waiter in ready { waiter.fire(route) }
    }

    // MARK: sessions

    func register(_ session: ProxySession, on server: String) {
        sessions.bucket(server).insert(session)
    }

    func unregister(_ session: ProxySession, from server: String) {
        sessions[server]?.remove(session)
    }

    func connectStarted(_ session: TCPSession, to server: String) {
        connecting.bucket(server).insert(session)
    }

    func connectEnded(_ session: TCPSession, to server: String) {
        connecting[server]?.remove(session)
    }

    var sessionCounts: [String: Int] { sessions.byServer.mapValues { $0.count } }
    /// Forwarding sessions and those still connecting (a shutdown waits for both).
    var openSessions: Int { sessions.buckets.reduce(0) { $0 + $1.count } + connecting.buckets.reduce(0) { $0 + $1.count } }

    /// Shutdown: held clients are turned away now, new ones at once; open sessions go on.
    func beginShutdown() {
        isShuttingDown = true
        http?.beginShutdown()
        let held = waiters
        waiters = []
        for waiter in held { waiter.fire(nil) }
    }

    func closeAllSessions() {
        http?.closeAll()
        for session in sessions.buckets.flatMap({ $0.all }) { session.closeNow() }
        // Their connects are cancelled: none forwards once the proxy has stopped or is stale.
        for session in connecting.buckets.flatMap({ $0.all }) { session.closeNow() }
    }

    /// A stale cluster member (`on-store-loss stop`): every session closes, idle keep-alive
    /// clients included, and held clients are turned away.
    func dropEverything() {
        let held = waiters
        waiters = []
        for waiter in held { waiter.fire(nil) }
        closeAllSessions()
    }
}

/// A held client's side of the hold queue: noticing that it went away while it waits.
protocol HeldClient: AnyObject {
    /// The client's address, for the log.
    var peerDescription: String { get }
    /// Calls `gone` once if the client closes while held; nil stops watching.
    func watchHangup(_ gone: (() -> Void)?)
    /// It left the hold queue because it went away: close it.
    func heldClientGone()
}

/// A client waiting for a route; its place in the role's `hold-queue` is given back when it
/// fires or its client goes away.
/// Why a session got no route.
enum AdmissionRefusal: Error {
    /// No usable server was published within `hold` (or the proxy is stopping).
    case noServer
    /// The role already held `hold-queue` clients: turned away at once.
    case holdQueueFull

    /// The access log's word for it: a TCP session's outcome, an HTTP exchange's cause.
    var tcpOutcome: String { self == .noServer ? "no-server" : "hold-queue-full" }
    var httpCause: String { self == .noServer ? "no server" : "hold-queue full" }
}

private final class Waiter: @unchecked Sendable {  // confined to the plane's loop
    let tried: Set<String>
    private let held: HeldClients
    private var resume: ((Route?) -> Void)?
    private weak var client: HeldClient?
    var timer: TimerHandle?

    init(tried: Set<String>, client: HeldClient?, held: HeldClients, resume: @escaping (Route?) -> Void) {
        self.tried = tried
        self.client = client
        self.held = held
        self.resume = resume
    }

    func fire(_ route: Route?) {
        guard let resume = stop() else { return }
        resume(route)
    }

    /// The client went away: it is not resumed.
    func abandon() { _ = stop() }

    private func stop() -> ((Route?) -> Void)? {
        timer?.cancel()
        client?.watchHangup(nil)
        client = nil
        if resume != nil { held.release() }
        defer { resume = nil }
        return resume
    }
}

private struct WeakSession: @unchecked Sendable {  // confined to the plane's loop
    weak var value: ProxySession?
    init(_ value: ProxySession) { self.value = value }
}
