import Cluster
import Dispatch
import Synchronization

/// An in-memory etcd for tests: revisions, leases, guarded transactions and prefix watches,
/// shared by several members (one `FakeStore` client each, on its own callback queue).
/// A client can be cut off (every call fails, its watches end) and let back in. Leases
/// expire only when a test says so (`expire`), so nothing here depends on time.
public final class FakeEtcd: Sendable {
    struct State {
        var revision: Revision = 1
        var values: [String: StoredValue] = [:]
        var leases: Set<LeaseID> = []
        var nextLease: LeaseID = 0x7000_0000_0000_0001
        var watches: [ObjectIdentifier: FakeWatch] = [:]
        var transactions = 0
        /// Every change since the last compaction, for watches that start behind.
        var history: [StoreChange] = []
        var compacted: Revision = 0
        var audits: [(prefix: String, leaderKey: String)] = []
        var unguarded: [String: Int] = [:]
    }

    let state = Mutex(State())

    public init() {}

    /// The store's current revision.
    public var revision: Revision { state.withLock { $0.revision } }

    /// Transactions the store carried out (successful or not).
    public var transactions: Int { state.withLock { $0.transactions } }

    public func value(_ key: String) -> StoredValue? { state.withLock { $0.values[key] } }

    /// Every value put at `key` since the last compaction, oldest first.
    public func puts(_ key: String) -> [StoredValue] {
        state.withLock { state in
            state.history.compactMap { if case .put(let value) = $0, value.key == key { value } else { nil } }
        }
    }

    /// Transactions that wrote under `prefix` without being guarded by the current leader
    /// key's create revision (`leaderKey`): a leader must never make one.
    public func unguardedWrites(under prefix: String, leaderKey: String) -> Int { state.withLock { $0.unguarded[prefix + "|" + leaderKey] ?? 0 } }

    /// Starts counting unguarded writes under `prefix` (see `unguardedWrites`).
    public func audit(writesUnder prefix: String, leaderKey: String) {
        state.withLock { $0.audits.append((prefix, leaderKey)) }
    }

    /// Writes a key as an operator would with etcdctl.
    public func put(_ key: String, _ value: [UInt8]) {
        state.withLock { state in
            state.revision += 1
            let old = state.values[key]
            let stored = StoredValue(key: key, value: value, createRevision: old?.createRevision ?? state.revision,
                                     modRevision: state.revision)
            state.values[key] = stored
            Self.notify(&state, [.put(stored)])
        }
    }

    /// Ends a lease as if its TTL ran out: its keys are deleted.
    public func expire(_ lease: LeaseID) {
        state.withLock { Self.revoke(&$0, lease) }
    }

    /// The lease `key` is attached to (0: none or absent).
    public func lease(of key: String) -> LeaseID { state.withLock { $0.values[key]?.lease ?? 0 } }

    static func revoke(_ state: inout State, _ lease: LeaseID) {
        guard state.leases.remove(lease) != nil else { return }
        let doomed = state.values.values.filter { $0.lease == lease }.map(\.key).sorted()
        guard !doomed.isEmpty else { return }
        state.revision += 1
        var changes: [StoreChange] = []
        for key in doomed {
            state.values[key] = nil
            changes.append(.delete(key: key, revision: state.revision))
        }
        notify(&state, changes)
    }

    /// Forgets the history up to `revision`: a watch from before it is told `.compacted`.
    public func compact(to revision: Revision) {
        state.withLock { state in
            state.compacted = revision
            state.history.removeAll { $0.revision <= revision }
        }
    }

    /// Sends the changes to the watches while the store's lock is held, so every watch sees
    /// every change in revision order, as etcd guarantees; returns nothing left to deliver.
    static func notify(_ state: inout State, _ changes: [StoreChange]) {
        state.history += changes
        for watch in state.watches.values {
            let seen = changes.filter { $0.key.hasPrefix(watch.prefix) }
            if !seen.isEmpty { watch.send(.changes(seen, revision: state.revision)) }
        }
    }
}

/// One member's client of a `FakeEtcd`.
public final class FakeStore: CoordinationStore, Sendable {
    let etcd: FakeEtcd
    let queue: DispatchQueue
    private let cut = Atomic<Bool>(false)
    public let name: String

    public init(_ etcd: FakeEtcd, callbackQueue: DispatchQueue, name: String = "fake") {
        self.etcd = etcd
        self.queue = callbackQueue
        self.name = name
    }

    /// Ends this client's watches (as a connection drop would) while calls keep working.
    public func dropWatches() {
        let mine = etcd.state.withLock { state -> [FakeWatch] in
            let mine = state.watches.values.filter { $0.owner === self }
            for watch in mine { state.watches[ObjectIdentifier(watch)] = nil }
            return mine
        }
        for watch in mine { watch.send(.ended(StoreError(.unavailable, "connection dropped"))) }
    }

    /// Full reads this client made.
    public var reads: Int { readCount.load(ordering: .relaxed) }
    private let readCount = Atomic<Int>(0)

    /// Cut off: every call fails as unavailable and every watch ends; or let back in.
    public func setCutOff(_ cutOff: Bool) {
        cut.store(cutOff, ordering: .sequentiallyConsistent)
        guard cutOff else { return }
        let mine = etcd.state.withLock { state -> [FakeWatch] in
            let mine = state.watches.values.filter { $0.owner === self }
            for watch in mine { state.watches[ObjectIdentifier(watch)] = nil }
            return mine
        }
        for watch in mine { watch.send(.ended(StoreError(.unavailable, "cut off"))) }
    }

    private func answer<T: Sendable>(_ done: @escaping @Sendable (Result<T, StoreError>) -> Void,
                                     _ body: @escaping @Sendable () -> Result<T, StoreError>) {
        if cut.load(ordering: .sequentiallyConsistent) {
            return queue.async { done(.failure(StoreError(.unavailable, "cut off"))) }
        }
        let result = body()
        queue.async { done(result) }
    }

    public func read(prefix: String, _ done: @escaping @Sendable (Result<StoreRead, StoreError>) -> Void) {
        readCount.add(1, ordering: .relaxed)
        answer(done) { [etcd] in
            etcd.state.withLock { state in
                .success(StoreRead(values: state.values.values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key },
                                   revision: state.revision))
            }
        }
    }

    public func transaction(if conditions: [StoreCondition], then writes: [StoreWrite], readOnFailure: [String],
                            _ done: @escaping @Sendable (Result<TransactionOutcome, StoreError>) -> Void) {
        answer(done) { [etcd] in
            let outcome = etcd.state.withLock { state -> TransactionOutcome in
                state.transactions += 1
                for audit in state.audits {
                    let writesThere = writes.contains { if case .put(let key, _, _) = $0 { key.hasPrefix(audit.prefix) } else { false } }
                    let guarded = conditions.contains(.createRevision(key: audit.leaderKey,
                                                                      equals: state.values[audit.leaderKey]?.createRevision ?? -1))
                    if writesThere && !guarded { state.unguarded[audit.prefix + "|" + audit.leaderKey, default: 0] += 1 }
                }
                let holds = conditions.allSatisfy { condition in
                    switch condition {
                    case .createRevision(let key, let equals): (state.values[key]?.createRevision ?? 0) == equals
                    case .modRevision(let key, let equals): (state.values[key]?.modRevision ?? 0) == equals
                    }
                }
                guard holds else {
                    return TransactionOutcome(succeeded: false, revision: state.revision,
                                              values: readOnFailure.compactMap { state.values[$0] })
                }
                guard !writes.isEmpty else { return TransactionOutcome(succeeded: true, revision: state.revision) }
                state.revision += 1
                var changes: [StoreChange] = []
                for write in writes {
                    switch write {
                    case .put(let key, let value, let lease):
                        if lease != 0 && !state.leases.contains(lease) { continue }
                        let old = state.values[key]
                        let stored = StoredValue(key: key, value: value, createRevision: old?.createRevision ?? state.revision,
                                                 modRevision: state.revision, lease: lease)
                        state.values[key] = stored
                        changes.append(.put(stored))
                    case .delete(let key):
                        if state.values.removeValue(forKey: key) != nil {
                            changes.append(.delete(key: key, revision: state.revision))
                        }
                    }
                }
                FakeEtcd.notify(&state, changes)
                return TransactionOutcome(succeeded: true, revision: state.revision)
            }
            return .success(outcome)
        }
    }

    public func grantLease(ttl: Duration, _ done: @escaping @Sendable (Result<LeaseID, StoreError>) -> Void) {
        answer(done) { [etcd] in
            etcd.state.withLock { state in
                let id = state.nextLease
                state.nextLease += 1
                state.leases.insert(id)
                return .success(id)
            }
        }
    }

    public func keepAlive(lease: LeaseID, _ done: @escaping @Sendable (Result<Duration, StoreError>) -> Void) {
        answer(done) { [etcd] in
            etcd.state.withLock { state in
                state.leases.contains(lease) ? .success(.seconds(10)) : .failure(StoreError(.leaseNotFound, "lease not found"))
            }
        }
    }

    public func revokeLease(_ lease: LeaseID, _ done: @escaping @Sendable (Result<Void, StoreError>) -> Void) {
        answer(done) { [etcd] in
            etcd.state.withLock { FakeEtcd.revoke(&$0, lease) }
            return .success(())
        }
    }

    public func watch(prefix: String, after revision: Revision,
                      _ update: @escaping @Sendable (WatchUpdate) -> Void) -> any StoreWatch {
        let watch = FakeWatch(prefix: prefix, owner: self, queue: queue, update: update)
        if cut.load(ordering: .sequentiallyConsistent) {
            watch.send(.ended(StoreError(.unavailable, "cut off")))
            return watch
        }
        etcd.state.withLock { state in
            if revision < state.compacted { return watch.send(.compacted(compactRevision: state.compacted)) }
            state.watches[ObjectIdentifier(watch)] = watch
            watch.send(.started(revision: state.revision))
            let missed = state.history.filter { $0.revision > revision && $0.key.hasPrefix(prefix) }
            if !missed.isEmpty { watch.send(.changes(missed, revision: state.revision)) }
        }
        watch.detach = { [etcd] in _ = etcd.state.withLock { $0.watches.removeValue(forKey: ObjectIdentifier(watch)) } }
        return watch
    }

    public var status: StoreStatus {
        StoreStatus(endpoints: ["fake://\(name)"], connected: cut.load(ordering: .relaxed) ? nil : "fake://\(name)",
                    lastError: nil)
    }
}

/// A running fake watch: updates go to its member's queue until it is cancelled or ends.
final class FakeWatch: StoreWatch, @unchecked Sendable {  // `cancelled` and `detach` guarded by `lock`
    let prefix: String
    weak var owner: FakeStore?
    let queue: DispatchQueue
    let update: @Sendable (WatchUpdate) -> Void
    private let lock = Mutex(false)
    var detach: (@Sendable () -> Void)?

    init(prefix: String, owner: FakeStore, queue: DispatchQueue, update: @escaping @Sendable (WatchUpdate) -> Void) {
        self.prefix = prefix
        self.owner = owner
        self.queue = queue
        self.update = update
    }

    func send(_ value: WatchUpdate) {
        queue.async { [self] in
            guard !lock.withLock({ $0 }) else { return }
            switch value {
            case .ended, .compacted: lock.withLock { $0 = true }
            default: break
            }
            update(value)
        }
    }

    func cancel() {
        lock.withLock { $0 = true }
        detach?()
    }
}
