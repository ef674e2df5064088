/// One field line of a parsed head: offsets into the caller's buffer, never a copy.
/// 32-bit offsets keep 100 fields in ~1.6 KiB of reused storage.
public struct HTTPField: Equatable, Hashable, Sendable {
    let nameStart: UInt32
    let nameEnd: UInt32
    let valueStart: UInt32
    let valueEnd: UInt32
    /// Just past the line's LF.
    let lineEnd: UInt32
    /// Whether the line ended in CRLF (a bare LF only where `allowsBareLF`).
    let endsWithCRLF: Bool
    /// The name classified once at parse time, so framing and forwarding never re-compare names.
    public let kind: HTTPFieldKind

    /// Offsets of the field name in the parsed buffer.
    public var name: Range<Int> { Int(nameStart)..<Int(nameEnd) }
    /// Offsets of the value in the parsed buffer, without surrounding OWS.
    public var value: Range<Int> { Int(valueStart)..<Int(valueEnd) }
    /// Offsets of the field from its name to the end of its value, without trailing OWS or line end.
    var line: Range<Int> { Int(nameStart)..<Int(valueEnd) }
    /// Offsets of the line as received, line end included: copied verbatim when forwarding.
    var rawLine: Range<Int> { Int(nameStart)..<Int(lineEnd) }

    init(name: Range<Int>, value: Range<Int>, lineEnd: Int, endsWithCRLF: Bool, kind: HTTPFieldKind) {
        nameStart = UInt32(name.lowerBound); nameEnd = UInt32(name.upperBound)
        valueStart = UInt32(value.lowerBound); valueEnd = UInt32(value.upperBound)
        self.lineEnd = UInt32(lineEnd)
        self.endsWithCRLF = endsWithCRLF
        self.kind = kind
    }
}

/// The field names the parser and the forwarder act on; everything else is `.other`.
public enum HTTPFieldKind: UInt8, Equatable, Hashable, Sendable {
    case other
    case host, contentLength, transferEncoding, connection, keepAlive, proxyConnection
    case te, trailer, upgrade, proxyAuthorization, proxyAuthenticate, expect
    case xForwardedFor, xForwardedProto, via
    /// The proxy's own fencing field in cluster mode: never passed on from a peer.
    case xFailoverEpoch

    /// Hop-by-hop fields dropped when forwarding (RFC 9110 §7.6.1), apart from those named in
    /// `Connection`. `Upgrade` is kept by the writer only when upgrading.
    var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .proxyConnection, .te, .trailer, .upgrade, .proxyAuthorization, .proxyAuthenticate: true
        default: false
        }
    }

    /// Fields a `Connection` token may not remove: dropping them would change the framing or
    /// the target seen upstream (a smuggling lever).
    var isProtectedFromConnectionTokens: Bool {
        self == .host || self == .contentLength || self == .transferEncoding
    }

    static func classify(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> HTTPFieldKind {
        switch r.count {
        case 2: return b.equalsIgnoringCase(r, "te") ? .te : .other
        case 3: return b.equalsIgnoringCase(r, "via") ? .via : .other
        case 4: return b.equalsIgnoringCase(r, "host") ? .host : .other
        case 6: return b.equalsIgnoringCase(r, "expect") ? .expect : .other
        case 7:
            if b.equalsIgnoringCase(r, "upgrade") { return .upgrade }
            return b.equalsIgnoringCase(r, "trailer") ? .trailer : .other
        case 10:
            if b.equalsIgnoringCase(r, "connection") { return .connection }
            return b.equalsIgnoringCase(r, "keep-alive") ? .keepAlive : .other
        case 14: return b.equalsIgnoringCase(r, "content-length") ? .contentLength : .other
        case 15: return b.equalsIgnoringCase(r, "x-forwarded-for") ? .xForwardedFor : .other
        case 16:
            if b.equalsIgnoringCase(r, "proxy-connection") { return .proxyConnection }
            return b.equalsIgnoringCase(r, "x-failover-epoch") ? .xFailoverEpoch : .other
        case 17:
            if b.equalsIgnoringCase(r, "transfer-encoding") { return .transferEncoding }
            return b.equalsIgnoringCase(r, "x-forwarded-proto") ? .xForwardedProto : .other
        case 18: return b.equalsIgnoringCase(r, "proxy-authenticate") ? .proxyAuthenticate : .other
        case 19: return b.equalsIgnoringCase(r, "proxy-authorization") ? .proxyAuthorization : .other
        default: return .other
        }
    }
}
