import FailoverModel

/// One member's picture of the cluster's keys, built from a full read and kept current by
/// the watch. Pure: changes in, notes out (what changed, what was malformed).
public struct ClusterView: Sendable, Equatable {
    public let keys: ClusterKeys
    /// The store's revision this view reflects.
    public private(set) var revision: Revision = 0
    public private(set) var leader: Leader?
    public private(set) var members: [String: MemberRecord] = [:]
    public private(set) var roles: [String: RoleState] = [:]
    public private(set) var requests: [String: OperationRequest] = [:]
    public private(set) var results: [String: OperationResult] = [:]

    public struct Leader: Sendable, Equatable {
        public var node: String
        /// Fencing: the leader's writes are guarded by this create revision of the leader key.
        public var createRevision: Revision
        /// The lease the key lives on: its owner's.
        public var lease: LeaseID

        public init(node: String, createRevision: Revision, lease: LeaseID = 0) {
            self.node = node
            self.createRevision = createRevision
            self.lease = lease
        }
    }

    /// What the store holds for one role.
    public struct RoleState: Sendable, Equatable {
        public var settings: RoleSettings?
        public var active: ActiveRecord?
        /// The revision of the last `active` write: the role's epoch.
        public var activeRevision: Revision = 0
    }

    /// What an update changed.
    public enum Note: Sendable, Equatable {
        case leader
        case members
        case settings(role: String)
        /// The active record changed, at `revision` (its epoch).
        case active(role: String, revision: Revision)
        case request(id: String)
        case result(id: String)
        /// A value that could not be understood: ignored, not applied.
        case malformed(key: String, reason: String)
    }

    public init(keys: ClusterKeys) {
        self.keys = keys
    }

    /// Replaces everything with a full read of the prefix.
    public mutating func load(_ read: StoreRead) -> [Note] {
        let previous = self
        self = ClusterView(keys: keys)
        var notes: [Note] = []
        for value in read.values { notes += put(value) }
        revision = read.revision
        // Report only what differs from before, plus every malformed value.
        return notes.filter { note in
            switch note {
            case .malformed: true
            case .leader: previous.leader != leader
            case .members: previous.members != members
            case .settings(let role): previous.roles[role]?.settings != roles[role]?.settings
            case .active(let role, _): previous.roles[role]?.activeRevision != roles[role]?.activeRevision
            case .request(let id): previous.requests[id] == nil
            case .result(let id): previous.results[id] == nil
            }
        } + previous.vanished(in: self)
    }

    /// Applies a watch's changes, in order.
    public mutating func apply(_ changes: [StoreChange], revision: Revision) -> [Note] {
        var notes: [Note] = []
        for change in changes where change.revision > self.revision || self.revision == 0 {
            switch change {
            case .put(let value): notes += put(value)
            case .delete(let key, let at): notes += delete(key, at: at)
            }
        }
        self.revision = max(self.revision, revision, changes.last?.revision ?? 0)
        return notes
    }

    /// Records the store's revision from a progress notification or a transaction.
    public mutating func advance(to revision: Revision) {
        self.revision = max(self.revision, revision)
    }

    private mutating func put(_ value: StoredValue) -> [Note] {
        guard let kind = keys.kind(of: value.key) else { return [] }
        do throws(RecordError) {
            switch kind {
            case .leader:
                guard let node = String(validating: value.value, as: UTF8.self), !node.isEmpty else {
                    throw RecordError(reason: "not a node name")
                }
                leader = Leader(node: node, createRevision: value.createRevision, lease: value.lease)
                return [.leader]
            case .member(let node):
                members[node] = try RecordCoding.decode(MemberRecord.self, value.value)
                return [.members]
            case .settings(let role):
                roles[role, default: RoleState()].settings = try RecordCoding.decode(RoleSettings.self, value.value)
                return [.settings(role: role)]
            case .active(let role):
                let record = try RecordCoding.decode(ActiveRecord.self, value.value)
                roles[role, default: RoleState()].active = record
                roles[role, default: RoleState()].activeRevision = value.modRevision
                return [.active(role: role, revision: value.modRevision)]
            case .request(let id):
                requests[id] = try RecordCoding.decode(OperationRequest.self, value.value)
                return [.request(id: id)]
            case .result(let id):
                results[id] = try RecordCoding.decode(OperationResult.self, value.value)
                return [.result(id: id)]
            }
        } catch {
            return [.malformed(key: value.key, reason: error.reason)]
        }
    }

    private mutating func delete(_ key: String, at revision: Revision) -> [Note] {
        switch keys.kind(of: key) {
        case .leader:
            leader = nil
            return [.leader]
        case .member(let node):
            return members.removeValue(forKey: node) == nil ? [] : [.members]
        case .settings(let role):
            roles[role]?.settings = nil
            return [.settings(role: role)]
        case .active(let role):
            roles[role]?.active = nil
            roles[role]?.activeRevision = revision
            return [.active(role: role, revision: revision)]
        case .request(let id):
            requests[id] = nil
            return []
        case .result(let id):
            results[id] = nil
            return []
        case nil:
            return []
        }
    }

    /// Notes for what `self` had and `next` no longer has (after a full read).
    private func vanished(in next: ClusterView) -> [Note] {
        var notes: [Note] = []
        if leader != nil && next.leader == nil { notes.append(.leader) }
        if members.keys.contains(where: { next.members[$0] == nil }) && next.members.count <= members.count { notes.append(.members) }
        for role in roles.keys where next.roles[role] == nil {
            notes.append(.settings(role: role))
            notes.append(.active(role: role, revision: next.revision))
        }
        return notes
    }

    /// The members that acknowledged at least `revision`, and those that did not.
    public func acknowledgement(of revision: Revision) -> (acked: [String], waiting: [String]) {
        let sorted = members.sorted { $0.key < $1.key }
        return (sorted.filter { $0.value.acked >= revision }.map(\.key),
                sorted.filter { $0.value.acked < revision }.map(\.key))
    }
}
