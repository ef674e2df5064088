import Cluster
import Dispatch
import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging
import ProxyConfig

/// One per process in cluster mode: this member's session with the store. It keeps the
/// lease and the membership key alive, knows whether the member is fresh, keeps the view
/// of the store current (a full read, then a watch), hands each role what the store says,
/// campaigns for leadership and, while leading, writes the roles' decisions as transactions
/// guarded by its leader key. Every mutable field is owned by `queue`, which is also the
/// store's callback queue.
final class ClusterController: @unchecked Sendable {  // mutable state confined to `queue`
    let config: ClusterConfig
    let keys: ClusterKeys
    let store: any CoordinationStore
    let queue: DispatchQueue
    let logger: Logger
    let gate: ClusterGate
    /// The store's picture as this member last read and watched it.
    var view: ClusterView
    var freshness: Freshness
    var isFresh = false
    /// Wall time of the start of the last successful round trip, for `/api/cluster`.
    private(set) var lastRoundTrip: Timestamp?
    var lastError: String?
    var lastWarned: (kind: StoreError.Kind, at: ContinuousClock.Instant)?
    var lease: LeaseID?
    var leaseRequested = false
    var registered = false
    var registering = false
    /// Set while this member leads: its leader key, whose create revision guards every write.
    var leadership: ClusterView.Leader?
    var campaigning = false
    var watch: (any StoreWatch)?
    /// A full read is loaded and the watch runs from it (or is being resumed).
    var synced = false
    /// Since when the watch is down while the view is kept (resumed on the next tick).
    var watchDownSince: ContinuousClock.Instant?
    /// The watch fell behind a compaction: only a full read can resume it.
    var readNeeded = false
    var syncing = false
    var roles: [String: RoleController] = [:]
    var timer: DispatchSourceTimer?
    var stopped = false
    /// Listeners open or closed (`on-store-loss stop`), set by `ProxyServer`.
    var onServingChange: (@Sendable (_ serving: Bool) -> Void)?

    // Leader side (ClusterController+Leader).
    var planners: [String: MovePlanner] = [:]
    var intents: [String: LeaderIntent] = [:]
    var answers: [String: OperationResult] = [:]
    var consumedRequests: Set<String> = []
    var handledRequests: Set<String> = []
    var writeInFlight = false
    var awaitedRevision: Revision = 0
    var flushScheduled: ContinuousClock.Instant?
    // Member side (ClusterController+Requests).
    var waiters: [String: RequestWaiter] = [:]
    var lastReports: [String: ContinuousClock.Instant] = [:]
    var acked: Revision = 0
    var ackWritten: Revision = 0
    var ackInFlight = false
    let counters = ClusterCounters()

    init(config: ClusterConfig, store: any CoordinationStore, queue: DispatchQueue, logger: Logger) {
        self.config = config
        self.keys = ClusterKeys(prefix: config.keyPrefix)
        self.store = store
        self.queue = queue
        var logger = logger
        logger[metadataKey: "node"] = .string(config.node)
        self.logger = logger
        self.view = ClusterView(keys: keys)
        self.freshness = Freshness(staleAfter: config.staleAfter)
        self.gate = ClusterGate(stopsWhenStale: config.onStoreLoss == .stop)
    }

    /// The roles this member serves; called before `start`, and on reload (on any queue).
    func serve(_ controllers: [RoleController]) {
        queue.async { [self] in
            roles = Dictionary(controllers.map { ($0.name, $0) }, uniquingKeysWith: { _, b in b })
            for name in roles.keys { push(role: name) }
        }
    }

    /// Starts the round trips: lease, membership, a full read and the watch, then every
    /// `tick` a keepalive (a round trip that proves freshness) and whatever is due.
    func start() {
        queue.async { [self] in
            logger.info("cluster member starting", metadata: [
                "cluster": .string(config.name), "etcd": .string(config.etcd.map(\.text).joined(separator: ",")),
            ])
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now(), repeating: Self.tick(config).dispatchInterval, leeway: .milliseconds(10))
            timer.setEventHandler { [weak self] in self?.tick() }
            timer.resume()
            self.timer = timer
            // Stale until the first round trip: with `stop`, nothing is forwarded before it.
            if config.onStoreLoss == .stop { onServingChange?(false) }
        }
    }

    /// Leaves the cluster: stops leading, revokes the lease (so another member takes over at
    /// once, not after `lease-ttl`); `done` runs when the store answered or gave up.
    func stop(_ done: @escaping @Sendable () -> Void = {}) {
        queue.async { [self] in
            stopped = true
            timer?.cancel()
            timer = nil
            watch?.cancel()
            watch = nil
            if leadership != nil { stepDown("shutting down") }
            guard let lease else { return done() }
            self.lease = nil
            store.revokeLease(lease) { _ in done() }
        }
    }

    /// How often the member renews its lease and checks its freshness: a sixth of
    /// `stale-after` (so it reads the store at least every `stale-after / 3`, with room for
    /// one lost answer), at most a third of `lease-ttl`.
    static func tick(_ config: ClusterConfig) -> Duration {
        min(config.staleAfter / 6, config.leaseTTL / 3)
    }

    // MARK: the periodic round trip

    private func tick() {
        guard !stopped else { return }
        updateFreshness()
        // Again each tick: listeners that could not be reopened are tried again.
        if config.onStoreLoss == .stop { onServingChange?(isFresh) }
        if let lease { keepAlive(lease) } else { grantLease() }
        if !synced || readNeeded { resync() } else if watch == nil { resumeWatch() }
        if leadership != nil { flush() }
        expireWaiters()
    }

    private func grantLease() {
        guard !leaseRequested else { return }
        leaseRequested = true
        let start = ContinuousClock.now
        store.grantLease(ttl: config.leaseTTL) { [self] result in
            leaseRequested = false
            switch result {
            case .success(let id):
                roundTrip(startedAt: start)
                lease = id
                registered = false
                register()
            case .failure(let error):
                failed("lease grant", error)
            }
        }
    }

    private func keepAlive(_ id: LeaseID) {
        let start = ContinuousClock.now
        store.keepAlive(lease: id) { [self] result in
            guard lease == id else { return }
            switch result {
            case .success:
                roundTrip(startedAt: start)
                if !registered { register() }
            case .failure(let error) where error.kind == .leaseNotFound:
                logger.warning("cluster lease expired; joining again")
                lease = nil
                registered = false
                if leadership != nil { stepDown("its lease expired") }
                grantLease()
            case .failure(let error):
                failed("lease keepalive", error)
            }
        }
    }

    /// Puts `members/NODE` on the lease: how the others know this member is alive, and
    /// what it acknowledged.
    private func register() {
        guard let lease, !registering else { return }
        registering = true
        let record = MemberRecord(advertise: config.advertise?.description, acked: acked)
        let start = ContinuousClock.now
        let ackSent = acked
        store.transaction(if: [], then: [.put(key: keys.member(config.node), value: RecordCoding.encode(record), lease: lease)],
                          readOnFailure: []) { [self] result in
            registering = false
            guard self.lease == lease else { return }
            switch result {
            case .success:
                roundTrip(startedAt: start)
                registered = true
                ackWritten = max(ackWritten, ackSent)
                campaign()
                writeAck()
            case .failure(let error):
                failed("membership", error)
            }
        }
    }

    // MARK: freshness

    func roundTrip(startedAt start: ContinuousClock.Instant) {
        freshness.succeeded(startedAt: start)
        lastRoundTrip = Timestamp(milliseconds: WallClock.nowMilliseconds() - Int64((ContinuousClock.now - start).wholeNanoseconds / 1_000_000))
        lastError = nil
        lastWarned = nil
        counters.roundTrip(ok: true, seconds: Double((ContinuousClock.now - start).wholeNanoseconds) / 1e9)
        updateFreshness()
    }

    func failed(_ what: String, _ error: StoreError) {
        lastError = "\(what): \(error)"
        counters.roundTrip(ok: false, seconds: 0)
        // Said once per kind of failure, then at most every 10 s while it lasts.
        let now = ContinuousClock.now
        if lastWarned.map({ $0.kind != error.kind || now - $0.at >= .seconds(10) }) ?? true {
            lastWarned = (error.kind, now)
            logger.warning(freshness.lastSuccessStart == nil ? "etcd does not answer; this member stays stale until it does"
                                                           : "etcd call failed",
                           metadata: ["call": .string(what), "error": .string(error.description),
                                      "endpoints": .string(store.status.endpoints.joined(separator: ","))])
        }
        updateFreshness()
    }

    /// Fresh: the last successful round trip started less than `stale-after` ago and the
    /// view is loaded. Turning stale steps down and (with `stop`) closes the role's
    /// listeners and sessions; turning fresh again reopens them.
    func updateFreshness() {
        let now = ContinuousClock.now
        // A watch that stays down as long as `stale-after` leaves the view unproven: stale.
        if let since = watchDownSince, now - since >= config.staleAfter { synced = false }
        let fresh = freshness.isFresh(at: now) && synced
        gate.setFresh(until: fresh ? freshness.staleAt : nil)
        guard fresh != isFresh else { return }
        isFresh = fresh
        counters.update { $0.fresh = fresh }
        if fresh {
            logger.notice("cluster member fresh: etcd answers", metadata: ["revision": .stringConvertible(view.revision)])
            if config.onStoreLoss == .stop { onServingChange?(true) }
            reconcileLeadership()
        } else {
            logger.warning("cluster member stale: no answer from etcd within stale-after", metadata: [
                "stale-after": .string("\(config.staleAfter)"), "policy": .string(config.onStoreLoss.rawValue),
                "error": .string(lastError ?? "-"),
            ])
            if leadership != nil { stepDown("it is stale") }
            // Nothing learnt before is trusted again: the view is read afresh on recovery.
            synced = false
            watch?.cancel()
            watch = nil
            watchDownSince = nil
            if config.onStoreLoss == .stop { onServingChange?(false) }
        }
        for name in roles.keys { push(role: name) }
    }

    // MARK: status

    /// `/api/cluster`'s facts, read on `queue`.
    func status(_ done: @escaping @Sendable (ClusterStatus) -> Void) {
        queue.async { [self] in
            let latest = view.roles.values.map(\.activeRevision).max() ?? 0
            let members = view.members.sorted { $0.key < $1.key }.map { node, record in
                ClusterStatus.Member(node: node, advertise: record.advertise, leader: view.leader?.node == node,
                                     fresh: record.acked >= latest, acked: record.acked)
            }
            done(ClusterStatus(name: config.name, node: config.node, leader: view.leader?.node, fresh: isFresh,
                               stopsWhenStale: config.onStoreLoss == .stop, leading: leadership != nil, revision: view.revision, store: store.status,
                               lastRoundTrip: lastRoundTrip, error: lastError ?? store.status.lastError, members: members))
        }
    }
}

/// What a role's controller learns from the store.
struct ClusterRoleUpdate: Sendable {
    let state: ClusterView.RoleState?
    let leading: Bool
    let fresh: Bool
}

/// `GET /api/cluster`.
public struct ClusterStatus: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public let node: String
        public let advertise: String?
        public let leader: Bool
        /// Alive (its lease holds) and caught up with the latest role change.
        public let fresh: Bool
        public let acked: Revision
    }

    public let name: String
    public let node: String
    public let leader: String?
    public let fresh: Bool
    /// `on-store-loss stop`: a stale member forwards nothing (and is not ready).
    public let stopsWhenStale: Bool
    public let leading: Bool
    public let revision: Revision
    public let store: StoreStatus
    public let lastRoundTrip: Timestamp?
    public let error: String?
    public let members: [Member]
}
