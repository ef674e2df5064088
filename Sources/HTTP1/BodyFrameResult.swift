/// Outcome of scanning body bytes: how many of them belong to the current message (to be
/// forwarded verbatim, chunk framing included).
public enum BodyFrameResult: Equatable, Hashable, Sendable {
    /// All `consumed` bytes (the whole input) belong to the message; more are expected.
    case needMore(consumed: Int)
    /// The message ended after `consumed` bytes; the rest of the input is the next message.
    case complete(consumed: Int)
    /// Malformed framing: close the connection (400 to a client, 502 for an upstream body).
    case error(HTTPParseError)
}
