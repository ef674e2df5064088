import Dispatch
import EventLoop
import ProxyConfig

/// `workers` without a restart: a reload to a new count keeps the first loops, adds new
/// ones or retires the last ones. New loops take a share of new connections at once; a
/// retired loop stops accepting and drains what it holds (see `RolePlane.retire`), then
/// is let go with its epoll fd, pipes and buffers once nothing runs on it any more.
extension ProxyServer {
    /// The loops of a new worker count, and each kept listener's sockets for them.
    struct LoopChange {
        let group: EventLoopGroup
        let added: [EventLoop]
        let retired: [EventLoop]
        var spreads: [ListenerSpread] = []

        /// Nothing was committed: the new sockets close (the new loops go with them).
        func discard() { for spread in spreads { spread.discard() } }
    }

    /// Nil when the setting or the count stays. Call with `reloadLock` held.
    func loopChange(to workers: WorkerCount) -> LoopChange? {
        guard workers != lock.withLock({ self.workers }) else { return nil }
        let (group, added, retired) = self.group.resized(to: workers.eventLoopWorkers.resolved)
        return added.isEmpty && retired.isEmpty ? nil : LoopChange(group: group, added: added, retired: retired)
    }

    /// Binds `listener`'s sockets for the new loops (the same address, `SO_REUSEPORT`).
    func spread(_ listener: Listener, for change: inout LoopChange) throws(ProxyError) {
        do {
            change.spreads.append(try listener.prepareSpread(over: change.group.loops))
        } catch {
            throw ProxyError.cannotListen(listener.address.description, error.description)
        }
    }

    /// Commits a prepared change for `kept` controllers (those created by this reload already
    /// have planes for the new loops): new loops get planes and sockets, the retired loops'
    /// sockets take their backlog and close, then their planes drain. Returns the summary line.
    func commit(_ change: LoopChange, kept: [RoleController]) -> String {
        let retiring = kept.map { controller in
            (controller, controller.moveLoops(to: change.group, added: change.added, retired: change.retired))
        }
        lock.withLock { loopGroup = change.group }
        let closed = DispatchGroup()
        for spread in change.spreads {
            closed.enter()
            spread.apply { closed.leave() }
        }
        // Closed before the planes drain, so no client arrives at a plane already let go
        // (the loops never wait for the caller's queue: no deadlock).
        _ = closed.wait(timeout: .now() + 2)
        for (controller, planes) in retiring {
            for plane in planes {
                plane.loop.execute { plane.retire { [weak controller] in controller?.release(plane) } }
            }
        }
        return "workers: \(change.group.loops.count)" + (change.retired.isEmpty ? "" : " (\(change.retired.count) old loops drain)")
    }

    /// Loops that a `workers` reload retired and whose connections are still open.
    public var drainingLoopCount: Int {
        var loops: [ObjectIdentifier] = []
        for controller in controllers {
            for loop in controller.retiringLoops where !loops.contains(ObjectIdentifier(loop)) {
                loops.append(ObjectIdentifier(loop))
            }
        }
        return loops.count
    }
}
