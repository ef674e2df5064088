import Dispatch
import EventLoop
import FailoverModel
import Logging
import ProxyConfig
import Synchronization

/// Owns one role's failover model and its health checkers on a serial queue of its own,
/// and publishes the active server to every loop's `RolePlane`. Glue, no policy: every
/// decision is the model's; this type only feeds it inputs and carries out its events.
final class RoleController: @unchecked Sendable {  // mutable state confined to `queue`
    /// Fixed for the role's life: a reload never renames a role, it adds and removes roles.
    let name: String
    /// The settings the role's queue works with; replaced by a reload. Owned by `queue`:
    /// read and written there only (checked), off it read `latestConfig`.
    var config: RoleConfig {
        get { dispatchPrecondition(condition: .onQueue(queue)); return queueConfig }
        set { dispatchPrecondition(condition: .onQueue(queue)); queueConfig = newValue }
    }
    private var queueConfig: RoleConfig
    /// The configuration last handed to the role (at creation, then by `reconfigure` before
    /// it queues the change), for readers off `queue`: binding listeners, the admin API and
    /// the next reload's comparison. An immutable value behind a lock, never `queue`'s copy.
    private let handedOver: Mutex<RoleConfig>
    var latestConfig: RoleConfig { handedOver.withLock { $0 } }
    /// Publishes `new` for readers off `queue` (a reload, before it queues the change).
    func handOver(_ new: RoleConfig) { handedOver.withLock { $0 = new } }
    let queue: DispatchQueue
    var model: RoleModel  // set on `queue` only (here and in RoleController+Operations)
    var targets: [String: ServerTarget]
    /// TLS contexts of the role; replaced by a reload (on `queue`).
    var tls: RoleTLS
    var checkers: [String: HealthChecker] = [:]
    var lastChecks: [String: CheckResult] = [:]
    /// The planes of the current loops, then those of loops a `workers` reload retired that
    /// still drain (read from any thread: the accept path looks its plane up here).
    let loopPlanes = Mutex<(current: [RolePlane], retiring: [RolePlane])>(([], []))
    var planes: [RolePlane] { loopPlanes.withLock { $0.current + $0.retiring } }
    /// The loops of the current configuration; replaced by a `workers` reload (on `queue`).
    var group: EventLoopGroup
    let logger: Logger
    /// Bumped on every feed connect/loss, so a stale "still lost?" check does nothing.
    var feedGeneration = 0
    private var feed: EventFeedClient?
    /// The feed URL connected now (shown on `/api/roles`); nil while none is.
    var followedFeed: String?
    private var observers: [@Sendable ([ModelEvent], _ revision: Int64?) -> Void] = []
    /// Cluster mode: the member's link to the store (nil: this instance decides alone).
    weak var cluster: ClusterController?
    /// Cluster mode: what this role's data plane follows and what its leader decided.
    var clusterState = RoleClusterState()
    private var checkObservers: [@Sendable (CheckResult) -> Void] = []
    /// Resolves added servers' addresses (replaced by tests, on `queue`).
    var resolver: ServerResolver = RoleController.resolveTarget
    /// Open client connections of this role (`max-connections`), under the proxy's global cap.
    let connectionLimit: ConnectionLimit
    /// Held clients of this role on all loops together, bounded by `hold-queue`.
    let heldClients = HeldClients()

    init(config: RoleConfig, group: EventLoopGroup, logger: Logger, accessLog: AccessLog?,
         restoring snapshot: RoleSnapshot? = nil, cluster: ClusterController? = nil,
         globalLimit: ConnectionLimit? = nil) throws {
        name = config.name
        queueConfig = config
        handedOver = Mutex(config)
        connectionLimit = ConnectionLimit(limit: config.maxConnections, parent: globalLimit)
        self.cluster = cluster
        self.group = group
        self.queue = DispatchQueue(label: "failover-proxy.role.\(config.name)")
        var logger = logger
        logger[metadataKey: "role"] = .string(config.name)
        self.logger = logger
        var targets: [String: ServerTarget] = [:]
        for server in config.servers { targets[server.name] = try AddressResolution.target(for: server) }
        self.targets = targets
        tls = try RoleTLS(config: config)
        if !config.tlsVerify && config.servers.contains(where: \.tls) {
            self.logger.warning("tls-verify off: certificates of tls servers are not verified")
        }
        let specs = config.servers.map { ServerSpec(name: $0.name, address: $0.address.description) }
        let thresholds = HealthThresholds(rise: config.health.rise, fall: config.health.fall)
        if let snapshot {
            model = try RoleModel.restarting(from: snapshot, configuredServers: specs, thresholds: thresholds)
        } else {
            model = try RoleModel(name: config.name, servers: specs, failback: config.failback, thresholds: thresholds)
        }
        // In a cluster the leader decides; this member follows the store until it leads.
        if cluster != nil { _ = model.setFollowing(true, at: WallClock.now()) }
        let gate = cluster?.gate
        let planes = group.loops.map { RolePlane(loop: $0, config: config, tls: tls, controller: self, accessLog: accessLog, gate: gate) }
        loopPlanes.withLock { $0.current = planes }
    }

    /// The plane of the loop that accepted a client (a retiring loop's plane too: its
    /// listener takes its backlog before closing).
    func plane(for loop: EventLoop) -> RolePlane {
        loopPlanes.withLock { planes in
            guard let plane = planes.current.first(where: { $0.loop === loop }) ?? planes.retiring.first(where: { $0.loop === loop }) else {
                preconditionFailure("no plane for loop \(loop.index) of role \(name)")
            }
            return plane
        }
    }

    /// Called with every batch of model events, on `queue`, with the store revision of a
    /// cluster's failover event (its `/events` id on every member). Add observers before `start()`.
    func observe(_ observer: @escaping @Sendable ([ModelEvent], _ revision: Int64?) -> Void) { observers.append(observer) }

    func notifyObservers(_ events: [ModelEvent], revision: Int64?) {
        for observer in observers { observer(events, revision) }
    }

    /// Called with every health check result, on `queue` (for metrics). Add on `queue` or before `start()`.
    func observeChecks(_ observer: @escaping @Sendable (CheckResult) -> Void) { checkObservers.append(observer) }

    /// Starts the health checks; the model picks the first server once the verdicts are in,
    /// or at the start-up deadline (one interval + timeout), whichever comes first.
    func start() {
        queue.async { [self] in
            do {
                if cluster == nil {
                    feed = try startFeed()
                } else if config.events != nil {
                    logger.warning("events feed not used in cluster mode: the cluster's leader decides")
                }
            } catch {
                logger.error("event feed not started", metadata: ["error": .string("\(error)")])
            }
            for server in model.servers { startChecker(for: server.name) }
            let deadline = config.health.interval + config.health.timeout
            queue.asyncAfter(deadline: .now() + deadline.dispatchInterval) { [self] in
                apply(model.startupDeadlineReached(at: WallClock.now()))
            }
        }
    }

    func stop() {
        queue.async { [self] in
            feed?.stop()
            feed = nil
            for checker in checkers.values { checker.stop() }
            checkers = [:]
        }
    }

    func startChecker(for server: String) {
        guard let target = targets[server] else { return }
        let checker = HealthChecker(server: server, target: target, tls: tls.upstream(config.server(named: server), health: true),
                                    health: config.health, loop: group.next()) { [weak self] outcome in
            guard let self else { return }
            queue.async {
                switch outcome {
                case .verdict(let result): self.record(result)
                case .noVerdict(let error):
                    // The proxy could not run the check: nothing is recorded, pass or fail.
                    LocalShortage.shared.report(error, place: "health-check", role: self.name, logger: self.logger)
                }
            }
        }
        checkers[server] = checker
        checker.start()
    }

    // MARK: inputs

    private func record(_ result: CheckResult) {
        guard checkers[result.server] != nil else { return }  // removed meanwhile
        lastChecks[result.server] = result
        for observer in checkObservers { observer(result) }
        apply(model.recordCheck(server: result.server, passed: result.passed, at: result.at))
    }

    /// A connect failure or reset seen by the data plane: one failed check, and a re-check now.
    /// In a cluster a member that does not lead also reports it to the leader.
    func passiveFailure(server: String, detail: String, fromCluster: Bool = false) {
        queue.async { [self] in
            logger.info("passive failure", metadata: ["server": .string(server), "detail": .string(detail)])
            apply(model.reportPassiveFailure(server: server, at: WallClock.now()))
            checkers[server]?.checkNow()
            if !fromCluster && !clusterState.leading { cluster?.reportPassiveFailure(role: name, server: server) }
        }
    }

    // MARK: outputs

    /// Logs the events, publishes a changed active server to every loop, tells observers.
    /// `cause` goes on the "role moved" line (e.g. the feed event's id).
    func apply(_ events: [ModelEvent], cause: Logger.Metadata = [:]) {
        dispatchPrecondition(condition: .onQueue(queue))
        if cluster != nil { return applyInCluster(events) }
        guard !events.isEmpty else { return }
        for event in events {
            switch event {
            case .health(let health):
                logger.info("server state", metadata: ["server": .string(health.server), "state": .string(health.state.rawValue)])
            case .failover(let failover):
                logger.notice("role moved", metadata: [
                    "from": .string(failover.from ?? "-"), "to": .string(failover.to ?? "-"),
                    "reason": .string(failover.reason.rawValue),
                ].merging(cause) { own, _ in own })
                publish(failover)
            }
        }
        notifyObservers(events, revision: nil)
    }

    private func publish(_ event: FailoverEvent) {
        let handover: Handover = event.reason == .failure
            ? (config.onFailover == .close ? .closeNow : .keep)
            : .drain(config.drainTimeout)
        publishRoute(lost: event.from, handover: handover)
    }

    /// Sends the model's active server to every loop; sessions on `lost` are handed over.
    func publishRoute(lost: String?, handover: Handover) {
        let route = model.active.flatMap { active in targets[active].map { Route(server: active, address: $0.data) } }
        for plane in planes {
            plane.loop.execute { plane.update(route: route, lost: lost, handover: handover) }
        }
    }
}
