/// Members kept per server (a role plane's sessions, an upstream pool's idle connections),
/// each server's members in a class: adding or removing one mutates that object through a
/// plain read of the dictionary. Mutating a collection nested in a dictionary's value
/// (`dict[server]?[id] = nil`, `dict[server]?.popLast()`) goes through nested `_modify`
/// coroutines, which allocated their frames: two `malloc`s per request, for both the
/// registry and the pool, measured with `perf probe` on HTTP keep-alive.
final class ServerBuckets<Bucket: AnyObject> {  // confined to its owner's loop
    private(set) var byServer: [String: Bucket] = [:]
    private let make: () -> Bucket

    init(_ make: @escaping () -> Bucket) { self.make = make }

    /// `server`'s bucket, created empty if it has none yet.
    func bucket(_ server: String) -> Bucket {
        if let existing = byServer[server] { return existing }
        let created = make()
        byServer[server] = created
        return created
    }

    subscript(server: String) -> Bucket? { byServer[server] }

    func remove(_ server: String) -> Bucket? { byServer.removeValue(forKey: server) }

    var buckets: Dictionary<String, Bucket>.Values { byServer.values }
}

/// Objects by identity: one server's sessions (`Member` a class, or a class-bound protocol).
final class IdentitySet<Member> {
    private(set) var members: [ObjectIdentifier: Member] = [:]

    func insert(_ member: Member) { members[ObjectIdentifier(member as AnyObject)] = member }
    func remove(_ member: Member) { members[ObjectIdentifier(member as AnyObject)] = nil }
    var count: Int { members.count }
    var all: [Member] { Array(members.values) }
}
