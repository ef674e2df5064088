/// Bounds and leniencies of a head parser.
public struct HTTPParserLimits: Equatable, Hashable, Sendable {
    /// Largest head accepted, start line and final CRLF included; beyond → 431. Default 16 KiB.
    public var maxHeadSize: Int
    /// Most field lines accepted; beyond → 431. Default 100.
    public var maxHeaders: Int
    /// Whether a bare LF ends a line. Off for requests: a bare LF read differently by the
    /// upstream is a smuggling vector, so it is a 400. On for responses (RFC 9112 §2.2 allows it).
    public var allowsBareLF: Bool

    public init(maxHeadSize: Int = 16 * 1024, maxHeaders: Int = 100, allowsBareLF: Bool = false) {
        precondition(maxHeadSize > 0 && maxHeadSize <= Int(UInt32.max), "maxHeadSize must fit 32-bit offsets")
        precondition(maxHeaders > 0)
        self.maxHeadSize = maxHeadSize
        self.maxHeaders = maxHeaders
        self.allowsBareLF = allowsBareLF
    }

    public static let requestDefault = HTTPParserLimits()
    public static let responseDefault = HTTPParserLimits(allowsBareLF: true)
}
