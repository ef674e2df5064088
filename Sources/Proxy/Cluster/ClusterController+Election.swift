import Cluster
import Dispatch

/// Leadership: one leader key, created on this member's lease only when absent.
extension ClusterController {

    /// Leads, follows or campaigns as the leader key says.
    func reconcileLeadership() {
        guard let leader = view.leader else {
            if leadership != nil { stepDown("its leader key is gone") }
            return campaign()
        }
        if let leadership {
            if leader.createRevision == leadership.createRevision { return }
            stepDown("\(leader.node) leads now")
        }
        if leader.node == config.node {
            if let lease, leader.lease == lease {
                // This member's own key (a campaign's answer may come after the watch's news).
                if !campaigning && isFresh { becomeLeader(leader) }
            } else {
                // A leader key of an earlier run of this member: end it now rather than after its lease.
                store.transaction(if: [.createRevision(key: keys.leader, equals: leader.createRevision)],
                                  then: [.delete(key: keys.leader)], readOnFailure: []) { _ in }
            }
        }
    }

    /// Creates the leader key on this member's lease when there is none.
    func campaign() {
        guard !stopped, isFresh, synced, registered, !campaigning, leadership == nil, view.leader == nil, let lease else { return }
        campaigning = true
        let start = ContinuousClock.now
        store.transaction(if: [.createRevision(key: keys.leader, equals: 0)],
                          then: [.put(key: keys.leader, value: Array(config.node.utf8), lease: lease)],
                          readOnFailure: [keys.leader]) { [self] result in
            campaigning = false
            switch result {
            case .success(let outcome):
                roundTrip(startedAt: start)
                guard outcome.succeeded, self.lease == lease else { return }
                becomeLeader(ClusterView.Leader(node: config.node, createRevision: outcome.revision, lease: lease))
            case .failure(let error):
                failed("campaign", error)
            }
        }
    }

    func becomeLeader(_ key: ClusterView.Leader) {
        guard leadership == nil else { return }
        leadership = key
        counters.update { $0.leading = true }
        planners = [:]
        intents = [:]
        answers = [:]
        handledRequests = []
        consumedRequests = []
        logger.notice("leading the cluster", metadata: ["leader-revision": .stringConvertible(key.createRevision)])
        for name in roles.keys { push(role: name) }
        for id in view.requests.keys.sorted() { handleRequest(id) }
    }

    /// Stops deciding at once: a deposed leader's decisions would be refused by the store anyway.
    func stepDown(_ why: String) {
        guard leadership != nil else { return }
        leadership = nil
        counters.update { $0.leading = false }
        writeInFlight = false
        awaitedRevision = 0
        intents = [:]
        answers = [:]
        logger.warning("no longer leading the cluster", metadata: ["why": .string(why)])
        for name in roles.keys { push(role: name) }
    }
}
