import HTTP1

/// Reads one HTTP/1.1 response as its bytes arrive: the head, then the body's data (chunked
/// decoded, Content-Length counted), for the clients that consume a body rather than
/// forward it (the event feed, etcd).
struct HTTPResponseReader: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case headTooLarge
        case malformedHead(HTTPParseError)
        case badChunkedFraming

        var description: String {
            switch self {
            case .headTooLarge: "response head too large"
            case .malformedHead(let error): "malformed response head: \(error)"
            case .badChunkedFraming: "bad chunked framing"
            }
        }
    }

    /// What the reader kept of the head.
    struct Head: Sendable, Equatable {
        var status: Int
        var framing: BodyFraming
        var keepAlive: Bool
    }

    /// What one `consume` found.
    struct Progress: Sendable {
        /// Set by the call that completed the head.
        var head: Head?
        /// Body data found in these bytes.
        var data: [UInt8] = []
    }

    private let method: HTTPMethod
    private let maxHead: Int
    private var parser = HTTPResponseParser()
    private var headBytes: [UInt8] = []
    private var chunked: ChunkedDecoder?
    private var remaining = 0
    private(set) var head: Head?
    /// The body ended by its framing (an `untilClose` body ends at end of stream instead).
    private(set) var isComplete = false

    init(method: HTTPMethod, maxHead: Int = 16 * 1024) {
        self.method = method
        self.maxHead = maxHead
    }

    mutating func consume(_ bytes: ArraySlice<UInt8>) throws(Failure) -> Progress {
        var progress = Progress()
        guard head == nil else {
            progress.data = try body(bytes)
            return progress
        }
        headBytes.append(contentsOf: bytes)
        while head == nil {
            switch headBytes.withUnsafeBytes({ parser.parse($0, requestMethod: method) }) {
            case .needMore:
                if headBytes.count > maxHead { throw .headTooLarge }
                return progress
            case .error(let error):
                throw .malformedHead(error)
            case .complete(let parsed, let length):
                let rest = Array(headBytes[length...])
                headBytes = rest
                parser.reset()
                if parsed.isInterim { continue }  // 100 Continue and the like: the real head follows
                let kept = Head(status: parsed.status, framing: parsed.framing, keepAlive: parsed.keepAlive)
                head = kept
                progress.head = kept
                switch parsed.framing {
                case .none: isComplete = true
                case .contentLength(let n): remaining = n; isComplete = n == 0
                case .chunked: chunked = ChunkedDecoder()
                case .untilClose: break
                }
            }
        }
        let rest = headBytes
        headBytes = []
        progress.data = try body(rest[...])
        return progress
    }

    private mutating func body(_ bytes: ArraySlice<UInt8>) throws(Failure) -> [UInt8] {
        guard let head, !isComplete else { return [] }
        switch head.framing {
        case .chunked:
            var data: [UInt8] = []
            var decoder = chunked!
            // A typed-throws closure here crashes the 6.3 compiler (IRGen): report through a flag.
            let ok = bytes.withUnsafeBytes { raw in (try? decoder.decode(raw, into: &data)) != nil }
            guard ok else { throw .badChunkedFraming }
            chunked = decoder
            isComplete = decoder.isComplete
            return data
        case .contentLength:
            let n = min(remaining, bytes.count)
            remaining -= n
            isComplete = remaining == 0
            return Array(bytes.prefix(n))
        case .untilClose:
            return Array(bytes)
        case .none:
            return []
        }
    }
}
