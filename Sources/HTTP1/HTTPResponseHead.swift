/// A parsed response head: ranges into the buffer it was parsed from plus the decisions the
/// proxy needs. Valid only together with that buffer, unchanged.
public struct HTTPResponseHead: HTTPHeadFields, Equatable, Hashable, Sendable {
    /// Offsets of the status line, without CRLF.
    public let startLine: Range<Int>
    public let version: HTTPVersion
    public let status: Int
    /// Offsets of the reason phrase (possibly empty).
    public let reason: Range<Int>
    public let fields: [HTTPField]
    public let framing: BodyFraming
    /// Whether the upstream connection may be reused after this response's body.
    public let keepAlive: Bool
    /// 101 with `Connection: upgrade`: the connection becomes a tunnel after this head.
    public let isUpgrade: Bool

    /// 1xx other than 101: another response head follows on the same request.
    public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    public func reasonString(in buffer: UnsafeRawBufferPointer) -> String { buffer.string(reason) }
}
