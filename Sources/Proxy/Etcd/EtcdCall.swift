import Cluster
import EventLoop

/// What `EtcdClient.open` needs of a call or a watch while it connects for it.
protocol EtcdAttempt: AnyObject {
    var connecting: UpstreamConnect? { get set }
    var deadline: ContinuousClock.Instant { get }
    /// Finished, timed out or cancelled: a connection made for it now is closed unused.
    var isOver: Bool { get }
}

/// One unary call: its deadline, what is in flight for it, and its one completion.
final class EtcdCall: EtcdAttempt, @unchecked Sendable {  // confined to the client's loop.queue
    /// Nil: only log in (before a watch).
    let path: String?
    let body: [UInt8]
    let deadline: ContinuousClock.Instant
    var completion: ((Result<[UInt8], StoreError>) -> Void)?
    var connecting: UpstreamConnect?
    var connection: HTTPClientConnection?
    var timer: TimerHandle?
    /// An expired token was answered once already: log in again at most once per call.
    var loggedInAgain = false
    /// A reused connection broke before the request went out: the one retry was spent.
    var retriedUnsent = false

    init(path: String?, body: [UInt8], timeout: Duration, completion: @escaping (Result<[UInt8], StoreError>) -> Void) {
        self.path = path
        self.body = body
        deadline = .now + timeout
        self.completion = completion
    }

    var isOver: Bool { completion == nil }
}
