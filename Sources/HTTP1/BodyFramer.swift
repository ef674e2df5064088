/// One framer for any `BodyFraming`, so the forwarding loop has a single call site.
public struct BodyFramer: Equatable, Hashable, Sendable {
    private enum Kind: Equatable, Hashable, Sendable {
        case none
        case contentLength(ContentLengthFramer)
        /// Boxed: inline, its 56 bytes would make every framer that size, and an HTTP
        /// session keeps two of them for as long as its connection lives, idle included.
        /// A chunked body pays one small allocation per `consume` instead.
        indirect case chunked(ChunkedBodyFramer)
        case untilClose
    }

    private var kind: Kind

    public init(_ framing: BodyFraming, maxChunkExtensionLength: Int = 4096, maxTrailerSize: Int = 16 * 1024) {
        switch framing {
        case .none: kind = .none
        case .contentLength(let n): kind = n == 0 ? .none : .contentLength(ContentLengthFramer(length: n))
        case .chunked: kind = .chunked(ChunkedBodyFramer(maxExtensionLength: maxChunkExtensionLength, maxTrailerSize: maxTrailerSize))
        case .untilClose: kind = .untilClose
        }
    }

    /// True once the body has ended (never for `.untilClose`, which ends at EOF).
    public var isComplete: Bool {
        switch kind {
        case .none: true
        case .contentLength(let f): f.isComplete
        case .chunked(let f): f.isComplete
        case .untilClose: false
        }
    }

    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> BodyFrameResult {
        switch kind {
        case .none:
            return .complete(consumed: 0)
        case .untilClose:
            return .needMore(consumed: bytes.count)
        case .contentLength(var f):
            let r = f.consume(bytes)
            kind = .contentLength(f)
            return r
        case .chunked(var f):
            let r = f.consume(bytes)
            kind = .chunked(f)
            return r
        }
    }
}
