import Dispatch
import EventLoop
import FailoverModel
import ProxyConfig

extension RoleController {
    /// Applies a reloaded configuration of this role to the live model, as the operator
    /// calls an administrator would make: servers added and removed, addresses changed,
    /// failback and order changed only where the configuration itself changed them (so
    /// runtime changes made through the admin API are not undone by an unrelated edit).
    /// Health of unchanged servers is kept. `targets` are the new servers' resolved addresses.
    func reconfigure(to new: RoleConfig, targets newTargets: [String: ServerTarget]) {
        handOver(new)
        queue.async { [self] in
            let old = config
            let now = WallClock.now()
            var events: [ModelEvent] = []
            model.thresholds = HealthThresholds(rise: new.health.rise, fall: new.health.fall)

            let oldByName = Dictionary(uniqueKeysWithValues: old.servers.map { ($0.name, $0) })
            let newNames = Set(new.servers.map(\.name))
            // A server whose address changed is a different server: remove it, add it anew.
            let changed = new.servers.filter { s in oldByName[s.name].map { $0.address != s.address || $0.healthPort != s.healthPort } ?? false }
            let added = new.servers.filter { oldByName[$0.name] == nil } + changed
            let removed = old.servers.filter { !newNames.contains($0.name) } + changed

            // Add first, so removing never empties the list.
            for server in added where model.server(named: server.name) == nil {
                events += (try? model.addServer(name: server.name, address: server.address.description, at: now)) ?? []
            }
            for server in removed {
                checkers.removeValue(forKey: server.name)?.stop()
                if let e = try? model.removeServer(name: server.name, at: now) { events += e }
            }
            for server in changed {
                events += (try? model.addServer(name: server.name, address: server.address.description, at: now)) ?? []
            }
            targets = newTargets

            if old.failback != new.failback { events += model.setFailback(new.failback, at: now) }
            let newOrder = new.servers.map(\.name)
            let orderEdited = old.servers.map(\.name).filter(newNames.contains) != newOrder.filter { oldByName[$0] != nil }
            if orderEdited || !added.isEmpty {
                for (position, name) in newOrder.enumerated() where model.index(of: name) != position {
                    events += (try? model.move(server: name, to: position, at: now)) ?? []
                }
            }

            // Health settings changed: restart every checker with them; else only the new servers'.
            config = new
            // A server's TLS settings changed: its checker starts over with them.
            let tlsChanged = new.servers.filter { s in oldByName[s.name].map { $0.tls != s.tls || $0.tlsName != s.tlsName } ?? false }
            let restart = old.health != new.health ? model.servers.map(\.name) : (added + tlsChanged).map(\.name)
            for name in restart {
                checkers.removeValue(forKey: name)?.stop()
                startChecker(for: name)
            }
            for plane in planes { plane.loop.execute { plane.config = new } }
            let activeMoved = events.contains { if case .failover = $0 { return true } else { return false } }
            apply(events)
            if let cluster {
                // In a cluster etcd holds the servers and their order: the leader has just
                // written its edit there; a follower takes the store's state back.
                cluster.repush(role: name)
                return
            }
            // The active server kept the role but its address changed: new sessions go to the new one.
            if !activeMoved, let active = model.active, old.server(named: active)?.address != new.server(named: active)?.address {
                publishRoute(lost: nil, handover: .drain(new.drainTimeout))
            }
        }
    }

    /// New TLS contexts (certificates reloaded): new accepts and connects use them, health
    /// checks of tls servers start over with them. `applied` runs once every loop has them.
    func updateTLS(_ new: RoleTLS, applied: (@Sendable () -> Void)? = nil) {
        queue.async { [self] in
            guard new !== tls else { applied?(); return }
            let clientChanged = new.client !== tls.client
            tls = new
            let loops = DispatchGroup()
            for plane in planes {
                loops.enter()
                plane.loop.execute { plane.tls = new; loops.leave() }
            }
            if let applied { loops.notify(queue: queue, execute: applied) }
            guard clientChanged else { return }
            for server in config.servers where server.tls && checkers[server.name] != nil {
                checkers.removeValue(forKey: server.name)?.stop()
                startChecker(for: server.name)
            }
        }
    }
}
