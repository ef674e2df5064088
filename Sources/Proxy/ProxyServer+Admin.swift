import Cluster
import Dispatch
import FailoverModel
import ProxyConfig
import Synchronization

/// What the admin API shows of one role: the model's view plus the last check of each server.
public struct RoleStatus: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public let name: String
        public let address: String
        public let state: ServerState
        public let isActive: Bool
        /// Open client sessions on this server, over every loop.
        public let sessions: Int
        public let lastCheck: CheckResult?
    }

    public let name: String
    public let mode: RoleConfig.Mode
    public let failback: Bool
    public let active: String?
    /// Cluster mode: the store revision that made `active` the active server.
    public var epoch: Int64? = nil
    /// With `events`: the feed URL followed now; nil while none is connected.
    public var feed: String? = nil
    /// In priority order.
    public let servers: [Server]
}

/// The admin side of the proxy: read the roles' state, carry out operator calls, observe
/// events and check results. Everything about a role runs on that role's queue; the
/// callbacks are called there too (or, for `roleStatuses`, on whatever queue finished last).
extension ProxyServer {
    /// Role names in configuration order.
    public var roleNames: [String] { controllers.map(\.name) }

    /// Carries out `operation` on `role`. `completion` runs on the role's queue right after
    /// the change, with the outcome and the model's snapshot after it (nil for an unknown role).
    public func perform(_ operation: RoleOperation, role: String,
                        completion: @escaping @Sendable (Result<[ModelEvent], OperationError>, RoleSnapshot?) -> Void) {
        guard let controller = controllers.first(where: { $0.name == role }) else {
            return completion(.failure(.unknownRole(role)), nil)
        }
        if let cluster {
            // Through the store: answered once the leader applied it (no local snapshot to keep).
            return cluster.submit(role: role, operation) { result in completion(result.map { [] }, nil) }
        }
        controller.perform(operation) { result in completion(result, controller.model.snapshot()) }
    }

    /// Every role's state (with session counts from every loop), in configuration order.
    public func roleStatuses(_ done: @escaping @Sendable ([RoleStatus]) -> Void) {
        let models = Mutex<[String: (RoleModel, [String: CheckResult], RoleClusterState?, String?)]>([:])
        let remaining = Mutex(controllers.count + 1)
        let sessions = Mutex<[String: [String: Int]]>([:])
        let order = controllers.map { ($0.name, $0.latestConfig.mode) }
        let finish: @Sendable () -> Void = {
            guard remaining.withLock({ $0 -= 1; return $0 == 0 }) else { return }
            let all = models.withLock { $0 }
            let counts = sessions.withLock { $0 }
            done(order.compactMap { name, mode in
                all[name].map { model, checks, cluster, feed in
                    var status = RoleStatus(model: model, mode: mode, checks: checks, sessions: counts[name] ?? [:],
                                            active: cluster.map { $0.routed.flatMap { $0.moving ? nil : $0.server } } ?? model.active)
                    status.epoch = cluster.map { $0.routedRevision }
                    status.feed = feed
                    return status
                }
            })
        }
        for controller in controllers {
            controller.queue.async {
                let state = (controller.model, controller.lastChecks, controller.cluster == nil ? nil : controller.clusterState,
                             controller.followedFeed)
                models.withLock { $0[controller.name] = state }
                finish()
            }
        }
        sessionCounts { counts in
            sessions.withLock { $0 = counts }
            finish()
        }
    }

    /// Calls `observer` with every batch of model events of every role and the role's
    /// snapshot after them, on the role's queue. May be called at any time. In cluster mode a
    /// failover event comes with its store revision (the same `/events` id on every member).
    public func observeEvents(_ observer: @escaping @Sendable (_ events: [ModelEvent], _ snapshot: RoleSnapshot,
                                                               _ revision: Int64?) -> Void) {
        for controller in controllers {
            controller.queue.sync {
                controller.observe { [unowned controller] events, revision in
                    observer(events, controller.model.snapshot(), revision)
                }
            }
        }
    }

    /// Calls `observer` with every health check result of every role, on the role's queue.
    public func observeChecks(_ observer: @escaping @Sendable (_ role: String, _ result: CheckResult) -> Void) {
        for controller in controllers {
            let role = controller.name
            controller.queue.sync { controller.observeChecks { observer(role, $0) } }
        }
    }

    /// Each role's current snapshot (for the state file when it starts).
    public func snapshots() -> [RoleSnapshot] {
        controllers.map { controller in controller.queue.sync { controller.model.snapshot() } }
    }
}

extension RoleStatus {
    /// `active`: the server the data plane follows (in a cluster, the store's, not the model's).
    init(model: RoleModel, mode: RoleConfig.Mode, checks: [String: CheckResult], sessions: [String: Int], active: String?) {
        self.init(
            name: model.name, mode: mode, failback: model.failback, active: active,
            servers: model.servers.map { server in
                Server(name: server.name, address: server.address, state: server.state,
                       isActive: server.name == active, sessions: sessions[server.name] ?? 0,
                       lastCheck: checks[server.name])
            })
    }
}
