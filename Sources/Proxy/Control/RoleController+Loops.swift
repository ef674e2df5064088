import Dispatch
import EventLoop

extension RoleController {
    /// A `workers` reload, before the listeners take the new loops: planes for `added`
    /// loops (following the route the others follow), health checks moved off `retired`
    /// loops. Returns the retired loops' planes, which go on serving what they hold.
    func moveLoops(to group: EventLoopGroup, added: [EventLoop], retired: [EventLoop]) -> [RolePlane] {
        queue.sync {
            self.group = group
            let template = loopPlanes.withLock { $0.current[0] }
            let new = added.map { RolePlane(loop: $0, config: config, tls: tls, controller: self,
                                            accessLog: template.accessLog, gate: template.gate) }
            let route = currentRoute
            for plane in new { plane.loop.execute { plane.update(route: route, lost: nil, handover: .keep) } }
            let retiring = loopPlanes.withLock { planes -> [RolePlane] in
                let gone = planes.current.filter { plane in retired.contains { $0 === plane.loop } }
                planes.current = planes.current.filter { plane in !retired.contains { $0 === plane.loop } } + new
                planes.retiring += gone
                return gone
            }
            for (server, checker) in checkers where retired.contains(where: { $0 === checker.loop }) {
                checker.stop()
                startChecker(for: server)
            }
            return retiring
        }
    }

    /// A retired loop's plane holds nothing any more: it is let go (and with it the loop,
    /// once nothing else runs there).
    func release(_ plane: RolePlane) {
        loopPlanes.withLock { $0.retiring.removeAll { $0 === plane } }
    }

    /// Retired loops whose planes still hold sessions or clients.
    var retiringLoops: [EventLoop] { loopPlanes.withLock { $0.retiring.map(\.loop) } }

    /// The route the planes follow now, as the last publish sent it. On `queue`.
    private var currentRoute: Route? {
        dispatchPrecondition(condition: .onQueue(queue))
        guard cluster != nil else {
            return model.active.flatMap { active in targets[active].map { Route(server: active, address: $0.data) } }
        }
        let server = clusterState.routed.flatMap { $0.moving ? nil : $0.server }
        return server.flatMap { name in targets[name].map { Route(server: name, address: $0.data, epoch: clusterState.routedRevision) } }
    }
}
