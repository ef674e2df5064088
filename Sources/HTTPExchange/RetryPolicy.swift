import HTTP1

/// When a request that got no answer is sent again, and where. One value per request:
/// it remembers the servers that failed it (each is tried at most once) and whether the
/// one fresh retry on the same server, for a reused connection the server closed just as
/// it was reused, has been spent.
public struct RetryPolicy: Equatable, Sendable {
    public enum Decision: Equatable, Sendable {
        /// A new connection to the same server (the pooled one was stale).
        case sameServer
        /// Route again, without the servers in `tried`.
        case nextServer
        /// The request may have run: answer 502.
        case giveUp
    }

    /// The servers that failed this request.
    public private(set) var tried: Set<String> = []
    public private(set) var staleRetryUsed = false

    public init() {}

    /// What an upstream that closed or reset before the first response byte allows.
    /// - Parameters:
    ///   - headSent: some of the request went out on that connection.
    ///   - resendable: idempotent, whole body still held, none of it streamed.
    ///   - reusedConnection: the connection came from the idle pool.
    ///   - serverStillActive: the role's route still points at `server`.
    public mutating func afterEarlyClose(server: String, headSent: Bool, resendable: Bool, reusedConnection: Bool,
                                         serverStillActive: Bool) -> Decision {
        guard !headSent || resendable else { return .giveUp }
        if reusedConnection && !staleRetryUsed && serverStillActive {
            staleRetryUsed = true
            return .sameServer
        }
        tried.insert(server)
        return .nextServer
    }

    /// A connect that failed on the server's side (refused, timed out, bad certificate):
    /// nothing was sent, so the next server may have it.
    public mutating func afterConnectFailure(server: String) -> Decision {
        tried.insert(server)
        return .nextServer
    }

    /// The request can be sent again whole: idempotent, its body complete and none of it
    /// streamed from the client buffer.
    public static func isResendable(method: HTTPMethod, bodyComplete: Bool, bodyStreamed: Bool) -> Bool {
        method.isIdempotent && bodyComplete && !bodyStreamed
    }
}
