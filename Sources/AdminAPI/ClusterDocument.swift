/// `GET /api/cluster`: this node, the leader, the members and the store's connection.
public struct ClusterDocument: Codable, Equatable, Sendable {
    public let name: String
    public let node: String
    public let leader: String?
    public let fresh: Bool
    public let revision: Int64
    public let store: StoreDocument
    public let members: [MemberDocument]

    public struct StoreDocument: Codable, Equatable, Sendable {
        public let endpoints: [String]
        public let connected: String?
        public let lastRoundTrip: String?
        public let error: String?

        public init(endpoints: [String], connected: String?, lastRoundTrip: String?, error: String?) {
            self.endpoints = endpoints
            self.connected = connected
            self.lastRoundTrip = lastRoundTrip
            self.error = error
        }

        enum CodingKeys: String, CodingKey { case endpoints, connected, lastRoundTrip, error }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(endpoints, forKey: .endpoints)
            try c.encode(connected, forKey: .connected)  // null while no endpoint answers
            try c.encode(lastRoundTrip, forKey: .lastRoundTrip)
            try c.encode(error, forKey: .error)
        }
    }

    public struct MemberDocument: Codable, Equatable, Sendable {
        public let node: String
        public let advertise: String?
        public let leader: Bool
        public let fresh: Bool
        public let acked: Int64

        public init(node: String, advertise: String?, leader: Bool, fresh: Bool, acked: Int64) {
            self.node = node
            self.advertise = advertise
            self.leader = leader
            self.fresh = fresh
            self.acked = acked
        }
    }

    public init(name: String, node: String, leader: String?, fresh: Bool, revision: Int64, store: StoreDocument, members: [MemberDocument]) {
        self.name = name
        self.node = node
        self.leader = leader
        self.fresh = fresh
        self.revision = revision
        self.store = store
        self.members = members
    }

    enum CodingKeys: String, CodingKey { case name, node, leader, fresh, revision, store, members }

    public func encode(to encoder: any Encoder) throws {
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
