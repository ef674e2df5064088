import Cluster
import Dispatch
import FailoverModel
import ProxyConfig
import Synchronization

/// A role's part in cluster mode (owned by the role's `queue`).
struct RoleClusterState {
    /// This member leads: its model decides and the decisions go to the store.
    var leading = false
    /// The leader's latest decision for this role, with the reason of the move that made it.
    var decision: MovePlanner.Decision?
    /// The active record the data plane follows now, and its revision (the epoch).
    var routed: ActiveRecord?
    var routedRevision: Revision = 0
    /// The last failover event published (its revision), so none is published twice.
    var publishedRevision: Revision = 0
}

/// In a cluster every member's data plane follows the store, the leader's included: the
/// leader's model decides and its decisions reach its own loops the way they reach every
/// other member's, through the watch. A member that does not lead adopts the leader's
/// settings and active server into its model (which never decides while following) and
/// keeps its own health checks.
extension RoleController {
    /// The active server as the data plane follows it (cluster mode).
    var clusterActive: String? { clusterState.routed.flatMap { $0.moving ? nil : $0.server } }

    /// What the store says of this role now, from the cluster controller.
    func clusterUpdate(_ update: ClusterRoleUpdate) {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = WallClock.now()
        if update.leading != clusterState.leading {
            clusterState.leading = update.leading
            if update.leading {
                // Adopt what the store holds, then decide from it: sticky across leaders.
                if let state = update.state { adopt(state, at: now) }
                logger.info("deciding for the cluster", metadata: ["active": .string(model.active ?? "-")])
                applyInCluster(model.setFollowing(false, at: now))
                intend()
            } else {
                _ = model.setFollowing(true, at: now)
            }
        } else if !update.leading, let state = update.state {
            adopt(state, at: now)
        }
        route(from: update.state)
    }

    /// A model's events in cluster mode: health events are this member's own; a failover
    /// event is a decision, which only the leader makes and only the store publishes.
    func applyInCluster(_ events: [ModelEvent]) {
        var health: [ModelEvent] = []
        for event in events {
            switch event {
            case .health(let h):
                logger.info("server state", metadata: ["server": .string(h.server), "state": .string(h.state.rawValue)])
                health.append(event)
            case .failover(let f):
                guard clusterState.leading else { continue }
                logger.notice("role decision", metadata: [
                    "from": .string(f.from ?? "-"), "to": .string(f.to ?? "-"), "reason": .string(f.reason.rawValue),
                ])
                clusterState.decision = MovePlanner.Decision(server: f.to, reason: f.reason, at: f.at)
            }
        }
        if !health.isEmpty { notifyObservers(health, revision: nil) }
        if clusterState.leading { intend() }
    }

    /// Tells the cluster controller what the store should say of this role.
    private func intend() {
        guard clusterState.leading, let cluster else { return }
        let decision = clusterState.decision.flatMap { $0.server == model.active ? $0 : nil }
            ?? MovePlanner.Decision(server: model.active, reason: model.isStartingUp ? .startup : .failure, at: WallClock.now())
        clusterState.decision = decision
        cluster.intend(role: name, LeaderIntent(decision: decision, settings: model.settings))
    }

    /// The leader's settings and active server, into the model (health kept).
    private func adopt(_ state: ClusterView.RoleState, at now: Timestamp) {
        if let settings = state.settings, settings != model.settings {
            syncServers(to: settings)
            do throws(ModelError) {
                applyInCluster(try model.adopt(settings, at: now))
            } catch {
                logger.warning("cluster settings not adopted", metadata: ["error": .string(error.description)])
            }
        }
        if let record = state.active {
            let server = record.moving ? record.to : record.server
            if model.active != server { _ = model.follow(active: server, reason: record.reason, at: record.at) }
            clusterState.decision = MovePlanner.Decision(server: server, reason: record.reason, at: record.at)
        }
    }

    /// Health checkers and addresses for the servers of `settings`: new ones resolved and
    /// checked, removed ones stopped, readdressed ones checked at their new address.
    private func syncServers(to settings: RoleSettings) {
        let wanted = Dictionary(settings.servers.map { ($0.name, $0.address) }, uniquingKeysWith: { a, _ in a })
        for server in model.servers where wanted[server.name] != server.address {
            checkers.removeValue(forKey: server.name)?.stop()
            targets[server.name] = nil
            lastChecks[server.name] = nil
        }
        for spec in settings.servers where targets[spec.name] == nil {
            guard let endpoint = EndpointText.parse(spec.address) else {
                logger.warning("cluster server address not understood", metadata: ["server": .string(spec.name), "address": .string(spec.address)])
                continue
            }
            do {
                targets[spec.name] = try AddressResolution.target(for: ServerConfig(name: spec.name, address: endpoint))
                startChecker(for: spec.name)
            } catch {
                logger.warning("cluster server not resolved", metadata: ["server": .string(spec.name), "error": .string("\(error)")])
            }
        }
    }

    /// Points every loop at the store's active server; acknowledges the revision once every
    /// loop has taken it, and publishes the failover event it carries (id: the revision).
    private func route(from state: ClusterView.RoleState?) {
        guard let state, state.activeRevision != clusterState.routedRevision || state.active != clusterState.routed else { return }
        let record = state.active
        let revision = state.activeRevision
        let lost = clusterActive
        clusterState.routed = record
        clusterState.routedRevision = revision
        let server = record.flatMap { $0.moving ? nil : $0.server }
        let route = server.flatMap { name in targets[name].map { Route(server: name, address: $0.data, epoch: revision) } }
        if server != nil && route == nil {
            logger.warning("the cluster's active server is not known here", metadata: ["server": .string(server ?? "-")])
        }
        let handover: Handover = record?.reason == .failure
            ? (config.onFailover == .close ? .closeNow : .keep)
            : .drain(config.drainTimeout)
        if let record, record.moving {
            logger.notice("role held for a planned move", metadata: [
                "from": .string(record.from ?? "-"), "to": .string(record.to ?? "-"),
                "reason": .string(record.reason.rawValue), "epoch": .stringConvertible(revision),
            ])
        } else if lost != server {
            logger.notice("role moved", metadata: [
                "from": .string(record?.from ?? lost ?? "-"), "to": .string(server ?? "-"),
                "reason": .string(record?.reason.rawValue ?? "-"), "epoch": .stringConvertible(revision),
            ])
        }
        let planes = planes  // one read: a retired loop's plane may leave meanwhile
        let remaining = Mutex(planes.count)
        let cluster = cluster
        for plane in planes {
            plane.loop.execute {
                plane.update(route: route, lost: lost, handover: handover)
                if remaining.withLock({ $0 -= 1; return $0 == 0 }) { cluster?.acknowledge(revision) }
            }
        }
        if let event = record?.event(role: name), revision > clusterState.publishedRevision {
            clusterState.publishedRevision = revision
            notifyObservers([.failover(event)], revision: revision)
        }
    }
}
