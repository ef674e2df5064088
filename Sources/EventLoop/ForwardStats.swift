/// Which end of a forwarded session.
public enum Side: Sendable, Equatable {
    case client
    case upstream
}

/// Why a forwarded session ended.
public enum ForwardCloseReason: Sendable, Equatable {
    /// Both directions reached EOF and were passed on.
    case completed
    /// No byte moved either way for the idle timeout.
    case idleTimeout
    /// `close()` was called (failover, shutdown).
    case forced
    /// A read or write on one side failed (reset, broken pipe…).
    case error(Side, SyscallError)
}

/// What a forwarded session moved, reported once when it ends.
public struct ForwardStats: Sendable, Equatable {
    /// Bytes delivered to the upstream (including `initialToUpstream`).
    public var bytesUp: UInt64
    /// Bytes delivered to the client (including `initialToClient`).
    public var bytesDown: UInt64
    public var reason: ForwardCloseReason
    /// Whether the session used splice (false: the copying path).
    public var spliced: Bool
}
