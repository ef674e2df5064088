import HTTP1

extension HTTPExchange {
    /// The role's settings the machine needs, in nanoseconds; refreshed at each request head
    /// (a reload may change them).
    public struct Settings: Equatable, Sendable {
        public var headTimeout: UInt64
        public var idleTimeout: UInt64
        public var lingerTime: UInt64
        /// `compress on`.
        public var compress: Bool

        public init(headTimeout: UInt64, idleTimeout: UInt64, lingerTime: UInt64, compress: Bool) {
            self.headTimeout = headTimeout
            self.idleTimeout = idleTimeout
            self.lingerTime = lingerTime
            self.compress = compress
        }
    }

    /// Which wait the current deadline bounds.
    public enum DeadlineKind: Equatable, Sendable {
        case none
        /// The rest of a request head.
        case head
        /// A kept-alive connection between requests.
        case idle
        /// The server's first response byte.
        case response
        /// Progress of a response (or of the proxy's own error response).
        case transfer
        /// The client's FIN after ours.
        case linger
    }

    /// A parsed request head, as far as the exchange's decisions go.
    public struct RequestFacts: Equatable, Sendable {
        public var method: HTTPMethod
        public var keepAlive: Bool
        public var isUpgrade: Bool
        public var isHTTP10: Bool
        /// The body is complete already (none, or all of it framed in the buffer).
        public var bodyComplete: Bool

        public init(method: HTTPMethod, keepAlive: Bool = true, isUpgrade: Bool = false, isHTTP10: Bool = false,
                    bodyComplete: Bool = true) {
            self.method = method
            self.keepAlive = keepAlive
            self.isUpgrade = isUpgrade
            self.isHTTP10 = isHTTP10
            self.bodyComplete = bodyComplete
        }

        public init(_ head: HTTPRequestHead, bodyComplete: Bool) {
            self.init(method: head.method, keepAlive: head.keepAlive, isUpgrade: head.isUpgrade,
                      isHTTP10: head.version == .http1_0, bodyComplete: bodyComplete)
        }
    }

    /// A parsed response head, as far as the exchange's decisions go.
    public struct ResponseFacts: Equatable, Sendable {
        public var status: Int
        public var isUpgrade: Bool
        public var keepAlive: Bool
        /// The body ends when the server closes.
        public var untilClose: Bool
        /// No body follows.
        public var bodyComplete: Bool
        /// The gzip rules allow compressing this response (whatever `compress` says).
        public var compressible: Bool

        public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

        public init(status: Int, isUpgrade: Bool = false, keepAlive: Bool = true, untilClose: Bool = false,
                    bodyComplete: Bool = false, compressible: Bool = false) {
            self.status = status
            self.isUpgrade = isUpgrade
            self.keepAlive = keepAlive
            self.untilClose = untilClose
            self.bodyComplete = bodyComplete
            self.compressible = compressible
        }

        public init(_ head: HTTPResponseHead, compressible: Bool) {
            self.init(status: head.status, isUpgrade: head.isUpgrade, keepAlive: head.keepAlive,
                      untilClose: head.framing == .untilClose, bodyComplete: BodyFramer(head.framing).isComplete,
                      compressible: compressible)
        }
    }

    /// The request direction: its framing progress and what may be done with it again.
    public struct RequestSide: Equatable, Sendable {
        public var method: HTTPMethod
        public var keepAlive: Bool
        public var isUpgrade: Bool
        public var isHTTP10: Bool
        public var bodyComplete: Bool
        /// Body bytes went upstream from the client buffer: the request cannot be sent again.
        public var bodyStreamed = false
        /// Some of the head went out on the current upstream connection.
        public var headSent = false
        public var retry = RetryPolicy()

        init(_ facts: RequestFacts) {
            method = facts.method
            keepAlive = facts.keepAlive
            isUpgrade = facts.isUpgrade
            isHTTP10 = facts.isHTTP10
            bodyComplete = facts.bodyComplete
        }

        var resendable: Bool { RetryPolicy.isResendable(method: method, bodyComplete: bodyComplete, bodyStreamed: bodyStreamed) }
    }

    /// The response direction on one upstream connection.
    public struct ResponseSide: Equatable, Sendable {
        public var server: String
        /// The connection came from the idle pool.
        public var reused: Bool
        /// A byte came back.
        public var started = false
        public var headDone = false
        public var complete = false
        public var keepAlive = false
        public var untilClose = false
        /// A 101 was forwarded: the connection becomes a tunnel once it is written.
        public var upgrading = false
        /// The client connection stays open after this response.
        public var clientKeepAlive = false

        init(server: String, reused: Bool) {
            self.server = server
            self.reused = reused
        }
    }

    /// Where the client connection is; each case carries what that step needs.
    public enum State: Equatable, Sendable {
        /// Between requests, or reading a head.
        case awaitingHead
        /// Waiting for a route from the role (possibly held).
        case routing(RequestSide)
        /// An upstream connection to `server` is being made.
        case connecting(RequestSide, server: String)
        /// The request goes up and the response comes down.
        case exchanging(RequestSide, ResponseSide)
        /// The proxy's own error response is being written; the connection closes after it.
        case responding(status: Int)
        /// After a 101: both connections belong to the TCP forwarder.
        case tunnel
        /// Our FIN is sent; the client's input is read and dropped until it closes.
        case lingering
        case closed
    }

    /// How the upstream connection for a route is had.
    public enum PoolUse: Equatable, Sendable {
        /// A new connection (shutting down: nothing goes back to the pool either).
        case connectOnly
        /// An idle pooled connection first; `verify`: check it is still open, since the
        /// request could not be resent if it were not.
        case pooled(verify: Bool)
    }

    /// What the client connection does after a response.
    public enum Next: Equatable, Sendable {
        case nextRequest
        /// FIN, then drain the client's input until it closes: bytes may follow.
        case linger
        /// FIN and close now: the request was read whole and nothing came after it.
        case close
    }

    /// What the session does after a transition. Exactly one per input.
    public enum Action: Equatable, Sendable {
        /// Nothing (the step changed only the machine, or the input came too late).
        case none
        /// Ask the role for a route to a server not in `tried` (the client may be held).
        case route(tried: Set<String>)
        /// Use `server` for the request.
        case connect(server: String, PoolUse)
        /// Give up the connect under way, then route again.
        case cancelConnectAndRoute(tried: Set<String>)
        /// Drop the upstream connection; a new one to the same server (a stale pooled one).
        case retrySameServer(server: String)
        /// Drop the upstream connection; report `failed` to the role; route again.
        case retryNextServer(failed: String, detail: String, tried: Set<String>)
        /// Write the request head and body upstream.
        case sendRequest
        /// An interim (1xx) head goes to the client as received.
        case forwardInterim
        /// An interim head is dropped: HTTP/1.0 clients get none (RFC 9110 §15.2).
        case dropInterim
        /// A 101 goes to the client; the tunnel starts once it is written.
        case forwardUpgrade
        /// The final head goes to the client with `Connection: keep-alive` or `close`.
        case forwardHead(keepAlive: Bool, compress: Bool)
        /// The response goes on: read (or splice) more of it.
        case continueResponse
        /// The server's close ended the body: the rest (gzip trailer) goes out, then the end.
        case endBodyAtClose
        /// The exchange is over: the upstream connection goes back to the pool or closes,
        /// the record is logged, then `next`.
        case finish(reusable: Bool, next: Next)
        /// Hand both connections to the TCP forwarder.
        case startTunnel
        /// Answer with the proxy's own response, then close.
        case respondError(status: Int, retryAfter: Int?)
        /// Our error response is written: FIN, then drain the client's input.
        case linger
        /// Close everything now.
        case close(cause: String)
    }
}
