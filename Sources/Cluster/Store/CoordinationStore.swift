/// The coordination store the cluster runs on: etcd's key-value model (revisions, leases,
/// transactions, watches) and nothing more. `EtcdClient` (in `Proxy`) speaks it to a real
/// etcd over its HTTP/JSON gateway; `FakeStore` (tests) keeps it in memory. The cluster's
/// code sees only this: no HTTP, no JSON, no base64.
///
/// Every call completes exactly once, on the store's callback queue, with a result or a
/// `StoreError`; a call that gets no answer within the store's per-call timeout fails with
/// `.timeout`. Completions of one store are delivered in the order the answers arrived.
public protocol CoordinationStore: AnyObject, Sendable {
    /// Every key that starts with `prefix`, and the store's revision when it was read.
    func read(prefix: String, _ done: @escaping @Sendable (Result<StoreRead, StoreError>) -> Void)

    /// Atomically: when every condition holds, the writes; otherwise nothing is written and
    /// the outcome carries the current values of `readOnFailure` (absent keys left out).
    func transaction(if conditions: [StoreCondition], then writes: [StoreWrite], readOnFailure: [String],
                     _ done: @escaping @Sendable (Result<TransactionOutcome, StoreError>) -> Void)

    /// A new lease that lives `ttl` unless kept alive.
    func grantLease(ttl: Duration, _ done: @escaping @Sendable (Result<LeaseID, StoreError>) -> Void)

    /// Renews `lease`; answers the time it has left, or `.leaseNotFound` once it is gone.
    func keepAlive(lease: LeaseID, _ done: @escaping @Sendable (Result<Duration, StoreError>) -> Void)

    /// Ends `lease` now, deleting the keys attached to it.
    func revokeLease(_ lease: LeaseID, _ done: @escaping @Sendable (Result<Void, StoreError>) -> Void)

    /// Reports every change under `prefix` after `revision` (exclusive: the first change
    /// reported has a higher revision), then each later one, until cancelled or it ends
    /// (`.compacted` or `.ended` are the last update a watch delivers).
    func watch(prefix: String, after revision: Revision,
               _ update: @escaping @Sendable (WatchUpdate) -> Void) -> any StoreWatch

    /// Where the store stands, for `/api/cluster` (any thread).
    var status: StoreStatus { get }
}

/// A running watch.
public protocol StoreWatch: AnyObject, Sendable {
    /// Stops the watch; no update is delivered after this returns on the callback queue.
    func cancel()
}

/// etcd's revision: the store's logical clock, raised by every write.
public typealias Revision = Int64
/// etcd's lease id; 0 is "no lease".
public typealias LeaseID = Int64

/// One key with its value and the revisions etcd keeps for it.
public struct StoredValue: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    /// The revision that created the key (fencing: a leader's key keeps it while it leads).
    public var createRevision: Revision
    /// The revision of its last change.
    public var modRevision: Revision
    /// The lease it is attached to, 0 for none.
    public var lease: LeaseID

    public init(key: String, value: [UInt8], createRevision: Revision, modRevision: Revision, lease: LeaseID = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.lease = lease
    }
}

/// What a `read` returns.
public struct StoreRead: Sendable, Equatable {
    public var values: [StoredValue]
    /// The store's revision at the time of the read: a watch resumes after it.
    public var revision: Revision

    public init(values: [StoredValue], revision: Revision) {
        self.values = values
        self.revision = revision
    }
}

/// A transaction's guard.
public enum StoreCondition: Sendable, Equatable {
    /// The key's create revision equals this; 0 means the key does not exist.
    case createRevision(key: String, equals: Revision)
    /// The key's last change was at this revision; 0 means the key does not exist.
    case modRevision(key: String, equals: Revision)
}

/// A write inside a transaction.
public enum StoreWrite: Sendable, Equatable {
    case put(key: String, value: [UInt8], lease: LeaseID)
    case delete(key: String)
}

/// What a transaction did.
public struct TransactionOutcome: Sendable, Equatable {
    /// True when every condition held and the writes were made.
    public var succeeded: Bool
    /// The store's revision after the transaction (the writes' revision when it succeeded).
    public var revision: Revision
    /// On failure: the current values of the keys asked for in `readOnFailure`.
    public var values: [StoredValue]

    public init(succeeded: Bool, revision: Revision, values: [StoredValue] = []) {
        self.succeeded = succeeded
        self.revision = revision
        self.values = values
    }
}

/// One change seen by a watch.
public enum StoreChange: Sendable, Equatable {
    case put(StoredValue)
    case delete(key: String, revision: Revision)

    public var key: String {
        switch self {
        case .put(let value): value.key
        case .delete(let key, _): key
        }
    }

    public var revision: Revision {
        switch self {
        case .put(let value): value.modRevision
        case .delete(_, let revision): revision
        }
    }
}

/// What a watch reports.
public enum WatchUpdate: Sendable, Equatable {
    /// The watch is established; the store is at `revision`.
    case started(revision: Revision)
    /// Changes, in revision order; the store was at `revision` when they were sent.
    case changes([StoreChange], revision: Revision)
    /// Nothing changed under the prefix up to `revision` (a progress notification).
    case progress(revision: Revision)
    /// The revision asked for was compacted away: read afresh and watch from there. Ends the watch.
    case compacted(compactRevision: Revision)
    /// The watch ended otherwise (connection lost, no leader, timeout…). Ends the watch.
    case ended(StoreError)
}

/// Why a store call failed.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// No endpoint could be reached, or the connection broke.
        case unavailable
        /// No answer within the call's timeout.
        case timeout
        /// The lease does not exist (expired or revoked).
        case leaseNotFound
        /// Authentication failed or is missing.
        case unauthorized
        /// The store answered something that is not a valid answer.
        case badResponse
        /// The store answered with an error of its own (no leader, too many requests…).
        case rejected
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The store's connection as `/api/cluster` shows it.
public struct StoreStatus: Sendable, Equatable {
    /// Every configured endpoint, in order.
    public var endpoints: [String]
    /// The endpoint in use now, nil while none answers.
    public var connected: String?
    /// The last error any call met, nil after a success.
    public var lastError: String?

    public init(endpoints: [String], connected: String?, lastError: String?) {
        self.endpoints = endpoints
        self.connected = connected
        self.lastError = lastError
    }
}
