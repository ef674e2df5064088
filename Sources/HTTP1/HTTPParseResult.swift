/// Outcome of feeding a head parser everything received so far for the current head.
public enum HTTPParseResult<Head: Sendable & Equatable>: Sendable, Equatable {
    /// The head is not complete yet: call again with the same bytes plus more.
    case needMore
    /// The head is complete; it occupies the first `headLength` bytes, the body (if any) follows.
    case complete(Head, headLength: Int)
    case error(HTTPParseError)
}

/// How the body following a head is delimited (RFC 9112 §6.3).
public enum BodyFraming: Equatable, Hashable, Sendable {
    /// No body (also `Content-Length: 0`, 1xx/204/304, responses to HEAD and 2xx to CONNECT).
    case none
    case contentLength(Int)
    case chunked
    /// Responses only: the body ends when the upstream closes.
    case untilClose
}
