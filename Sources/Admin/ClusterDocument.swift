import AdminAPI
import Proxy

extension ClusterDocument {
    init(_ status: ClusterStatus) {
        self.init(name: status.name, node: status.node, leader: status.leader, fresh: status.fresh, revision: status.revision,
                  store: StoreDocument(endpoints: status.store.endpoints, connected: status.store.connected,
                                       lastRoundTrip: status.lastRoundTrip?.rfc3339, error: status.error),
                  members: status.members.map {
                      MemberDocument(node: $0.node, advertise: $0.advertise, leader: $0.leader, fresh: $0.fresh, acked: $0.acked)
                  })
    }
}
