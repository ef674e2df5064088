import Cluster
import Dispatch
import FailoverModel
import ProxyConfig

/// Cluster mode as the rest of the process sees it.
extension ProxyServer {
    public var isClustered: Bool { cluster != nil }

    /// The role's epoch in cluster mode (the revision that set its active server), read on its queue.
    public func roleEpoch(_ role: String) -> Int64? {
        guard let controller = controllers.first(where: { $0.name == role }), cluster != nil else { return nil }
        return controller.queue.sync { controller.clusterState.routedRevision }
    }

    /// The cluster's counters for `/metrics`; nil without a `cluster` block.
    public var clusterCounters: ClusterCounters.Values? { cluster?.counters.snapshot }

    /// `GET /api/cluster`; nil without a `cluster` block.
    public func clusterStatus(_ done: @escaping @Sendable (ClusterStatus?) -> Void) {
        guard let cluster else { return done(nil) }
        cluster.status { done($0) }
    }

    /// A stale member with `on-store-loss stop` closes its role listeners (new connections
    /// are refused) and every role session; a fresh one listens again on the same addresses.
    /// Called on the cluster's queue.
    func setRoleListeners(serving: Bool) {
        reloadLock.withLock {
            serving ? reopenRoleListeners() : closeRoleListeners()
        }
    }

    private func closeRoleListeners() {
        let closing = lock.withLock { () -> [BoundListener] in
            let all = listeners.values.flatMap { $0 }
            for (name, bound) in listeners where !bound.isEmpty {
                suspendedAddresses[name] = bound.map(\.listener.address)
                listeners[name] = []
            }
            return all
        }
        // Closed for good before this returns, so a reopen right after can bind the same ports
        // (the loops never wait for the cluster's queue: no deadlock).
        let closed = DispatchGroup()
        for bound in closing {
            closed.enter()
            bound.listener.close { closed.leave() }
        }
        _ = closed.wait(timeout: .now() + 2)
        for plane in controllers.flatMap(\.planes) { plane.loop.execute { plane.dropEverything() } }
        if !closing.isEmpty {
            logger.warning("role listeners closed and role sessions dropped until etcd answers (on-store-loss stop)")
        }
    }

    private func reopenRoleListeners() {
        for controller in controllers {
            let (open, addresses) = lock.withLock { (!(listeners[controller.name]?.isEmpty ?? true), suspendedAddresses[controller.name]) }
            guard !open else { continue }
            // The very addresses bound before (a configured port 0 keeps the port it got).
            let configs = controller.latestConfig.listeners.enumerated().map { i, config in
                var config = config
                if let address = addresses?[safe: i], config.address.port == 0 { config.address.port = address.port }
                return config
            }
            do {
                let bound = try bind(configs, for: controller)
                lock.withLock {
                    listeners[controller.name] = bound
                    suspendedAddresses[controller.name] = nil
                }
                logListening(controller, bound)
            } catch {
                logger.error("role listeners not reopened", metadata: ["role": .string(controller.name), "error": .string("\(error)")])
            }
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
