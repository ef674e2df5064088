/// A parsed request head: ranges into the buffer it was parsed from plus the decisions the
/// proxy needs. Valid only together with that buffer, unchanged.
public struct HTTPRequestHead: HTTPHeadFields, Equatable, Hashable, Sendable {
    /// Offsets of the request line, without CRLF.
    public let startLine: Range<Int>
    public let method: HTTPMethod
    /// Offsets of the method token.
    public let methodRange: Range<Int>
    /// Offsets of the request-target.
    public let target: Range<Int>
    public let targetForm: HTTPRequestTargetForm
    public let version: HTTPVersion
    public let fields: [HTTPField]
    public let framing: BodyFraming
    /// Whether the client wants the connection kept open after this exchange.
    public let keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request (ignored on 1.0, RFC 9110 §10.1.1).
    public let expectsContinue: Bool
    /// Offsets of the `Upgrade` value when this is an upgrade request (HTTP/1.1,
    /// `Connection: upgrade` and an `Upgrade` field), else nil.
    public let upgrade: Range<Int>?

    public var isIdempotent: Bool { method.isIdempotent }
    public var isUpgrade: Bool { upgrade != nil }

    /// The method as received (for `.other`).
    public func methodString(in buffer: UnsafeRawBufferPointer) -> String { buffer.string(methodRange) }
    public func targetString(in buffer: UnsafeRawBufferPointer) -> String { buffer.string(target) }
    public func upgradeString(in buffer: UnsafeRawBufferPointer) -> String? { upgrade.map { buffer.string($0) } }
}
