import Cluster
import Dispatch
import EventLoop
import Synchronization

/// `CoordinationStore` over etcd's HTTP/JSON gateway (`/v3/...`), on the product's own
/// non-blocking I/O: one loop does all the I/O, completions go to `callbackQueue` in the order
/// the answers arrived.
///
/// Unary calls reuse keep-alive connections to the current endpoint (a few idle ones, so
/// concurrent calls do not queue behind each other); each watch has a connection of its own.
/// A transport failure (refused, reset, timeout) moves later calls to the next endpoint.
public final class EtcdClient: CoordinationStore, @unchecked Sendable {  // pool and token confined to loop.queue
    // Mutable state below is owned by `loop.queue`; only `statusBox` is read from other threads.
    let loop: EventLoop
    let callbackQueue: DispatchQueue
    let endpoints: [EtcdEndpoint]
    let callTimeout: Duration
    let credentials: (user: String, password: String)?
    /// The endpoint calls go to.
    var current = 0
    /// Idle keep-alive connections to `current`.
    var idle: [HTTPClientConnection] = []
    /// The auth token, once logged in.
    var token: String?
    private let statusBox: Mutex<StoreStatus>

    /// Idle connections kept per client; more concurrent calls open (and then close) more.
    static let maxIdle = 4

    init(endpoints: [EtcdEndpoint], credentials: (user: String, password: String)?, loop: EventLoop,
         callbackQueue: DispatchQueue, callTimeout: Duration) {
        precondition(!endpoints.isEmpty, "etcd needs at least one endpoint")
        self.endpoints = endpoints
        self.credentials = credentials
        self.loop = loop
        self.callbackQueue = callbackQueue
        self.callTimeout = callTimeout
        statusBox = Mutex(StoreStatus(endpoints: endpoints.map(\.url), connected: nil, lastError: nil))
    }

    /// Idle connections hold themselves open (a started `StreamConnection` does): close them on the loop.
    deinit {
        let idle = idle
        loop.execute { for connection in idle { connection.close() } }
    }

    public var status: StoreStatus { statusBox.withLock { $0 } }

    // MARK: CoordinationStore

    public func read(prefix: String, _ done: @escaping @Sendable (Result<StoreRead, StoreError>) -> Void) {
        call("/v3/kv/range", EtcdRequests.range(prefix: prefix), EtcdResponses.read, done)
    }

    public func transaction(if conditions: [StoreCondition], then writes: [StoreWrite], readOnFailure: [String],
                            _ done: @escaping @Sendable (Result<TransactionOutcome, StoreError>) -> Void) {
        let body = EtcdRequests.transaction(if: conditions, then: writes, readOnFailure: readOnFailure)
        call("/v3/kv/txn", body, EtcdResponses.transaction, done)
    }

    public func grantLease(ttl: Duration, _ done: @escaping @Sendable (Result<LeaseID, StoreError>) -> Void) {
        call("/v3/lease/grant", EtcdRequests.grantLease(ttl: ttl), EtcdResponses.grantedLease, done)
    }

    public func keepAlive(lease: LeaseID, _ done: @escaping @Sendable (Result<Duration, StoreError>) -> Void) {
        call("/v3/lease/keepalive", EtcdRequests.lease(lease), EtcdResponses.keptAlive, done)
    }

    public func revokeLease(_ lease: LeaseID, _ done: @escaping @Sendable (Result<Void, StoreError>) -> Void) {
        call("/v3/lease/revoke", EtcdRequests.lease(lease), { _ throws(StoreError) in () }, done)
    }

    public func watch(prefix: String, after revision: Revision,
                      _ update: @escaping @Sendable (WatchUpdate) -> Void) -> any StoreWatch {
        let watch = EtcdWatch(client: self, body: EtcdJSONBody(EtcdRequests.watch(prefix: prefix, after: revision)),
                              update: update)
        loop.execute { watch.start() }
        return watch
    }

    // MARK: status (on the loop)

    func succeeded(on endpoint: Int) {
        statusBox.withLock {
            $0.connected = endpoints[endpoint].url
            $0.lastError = nil
        }
    }

    func failed(_ error: StoreError) {
        statusBox.withLock { $0.lastError = error.description }
    }

    /// A transport failure on `endpoint`: later calls go to the next one (once per failure
    /// of the current endpoint, however many calls saw it).
    func transportFailed(on endpoint: Int, _ error: StoreError) {
        if endpoint == current {
            current = (current + 1) % endpoints.count
            for connection in idle { connection.close() }
            idle = []
        }
        statusBox.withLock {
            $0.connected = nil
            $0.lastError = "\(endpoints[endpoint].url): \(error)"
        }
    }
}

/// A JSON body built once off the loop (`[String: Any]` is not `Sendable`).
struct EtcdJSONBody: Sendable {
    let bytes: [UInt8]
    init(_ object: [String: Any]) { bytes = EtcdRequests.encode(object) }
}
