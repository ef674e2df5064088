import Proxy

/// `GET /api/cluster`: this node, the leader, the members and the store's connection.
struct ClusterDocument: Encodable {
    let name: String
    let node: String
    let leader: String?
    let fresh: Bool
    let revision: Int64
    let store: StoreDocument
    let members: [MemberDocument]

    struct StoreDocument: Encodable {
        let endpoints: [String]
        let connected: String?
        let lastRoundTrip: String?
        let error: String?

        enum CodingKeys: String, CodingKey { case endpoints, connected, lastRoundTrip, error }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(endpoints, forKey: .endpoints)
            try c.encode(connected, forKey: .connected)  // null while no endpoint answers
            try c.encode(lastRoundTrip, forKey: .lastRoundTrip)
            try c.encode(error, forKey: .error)
        }
    }

    struct MemberDocument: Encodable {
        let node: String
        let advertise: String?
        let leader: Bool
        let fresh: Bool
        let acked: Int64
    }

    init(_ status: ClusterStatus) {
        name = status.name
        node = status.node
        leader = status.leader
        fresh = status.fresh
        revision = status.revision
        store = StoreDocument(endpoints: status.store.endpoints, connected: status.store.connected,
                              lastRoundTrip: status.lastRoundTrip?.rfc3339, error: status.error)
        members = status.members.map {
            MemberDocument(node: $0.node, advertise: $0.advertise, leader: $0.leader, fresh: $0.fresh, acked: $0.acked)
        }
    }

    enum CodingKeys: String, CodingKey { case name, node, leader, fresh, revision, store, members }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(node, forKey: .node)
        try c.encode(leader, forKey: .leader)  // null while none leads
        try c.encode(fresh, forKey: .fresh)
        try c.encode(revision, forKey: .revision)
        try c.encode(store, forKey: .store)
        try c.encode(members, forKey: .members)
    }
}
