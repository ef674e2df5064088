/// Incremental response-head parser; same calling convention as `HTTPRequestParser`.
/// Errors here mean the upstream misbehaved: answer the client 502, whatever `status` says.
public struct HTTPResponseParser: Sendable {
    public let limits: HTTPParserLimits
    private var scanner: HeadScanner
    private var statusLine: StatusLine?
    private var finished = false
    private var failure: HTTPParseError?

    public init(limits: HTTPParserLimits = .responseDefault) {
        self.limits = limits
        scanner = HeadScanner(limits: limits)
    }

    public mutating func reset() {
        scanner.reset()
        statusLine = nil
        finished = false
        failure = nil
    }

    /// `requestMethod` is the method of the request this answers: HEAD responses have no
    /// body, 2xx to CONNECT turn into a tunnel.
    public mutating func parse(_ buffer: UnsafeRawBufferPointer, requestMethod: HTTPMethod) -> HTTPParseResult<HTTPResponseHead> {
        if let failure { return .error(failure) }
        if finished { reset() }
        while true {
            switch scanner.nextLine(buffer) {
            case .needMore:
                return .needMore
            case .error(let e):
                return fail(e)
            case .field:
                continue
            case .startLine(let line):
                switch StatusLine.parse(buffer, line) {
                case .success(let l): statusLine = l
                case .failure(let e): return fail(e)
                }
            case .end(let headLength):
                switch makeHead(buffer, requestMethod) {
                case .success(let head):
                    finished = true
                    return .complete(head, headLength: headLength)
                case .failure(let e):
                    return fail(e)
                }
            }
        }
    }

    private mutating func fail(_ e: HTTPParseError) -> HTTPParseResult<HTTPResponseHead> {
        failure = e
        return .error(e)
    }

    private mutating func makeHead(_ b: UnsafeRawBufferPointer, _ requestMethod: HTTPMethod) -> Result<HTTPResponseHead, HTTPParseError> {
        guard let line = statusLine else { return .failure(.invalidStatusLine) }
        let fields = scanner.takeFields()
        let contentLength: Int?
        switch FieldSemantics.contentLength(b, fields) {
        case .success(let n): contentLength = n
        case .failure(let e): return .failure(e)
        }
        let codings = FieldSemantics.transferCodings(b, fields)
        // Both framings at once is a sign of a confused or malicious upstream: refuse it.
        if codings != .absent && contentLength != nil { return .failure(.contentLengthWithTransferEncoding) }
        if codings == .malformedChunked { return .failure(.chunkedNotFinalEncoding) }

        let tokens = FieldSemantics.connectionTokens(b, fields)
        let status = line.status
        let framing: BodyFraming
        // RFC 9112 §6.3, in order.
        if requestMethod == .head || (100..<200).contains(status) || status == 204 || status == 304 {
            framing = .none
        } else if requestMethod == .connect && (200..<300).contains(status) {
            framing = .none
        } else {
            switch codings {
            case .chunkedFinal: framing = .chunked
            case .notChunkedFinal, .malformedChunked: framing = .untilClose
            case .absent: framing = contentLength.map { $0 == 0 ? .none : .contentLength($0) } ?? .untilClose
            }
        }
        let isUpgrade = status == 101 && tokens.contains(.upgrade)
        return .success(HTTPResponseHead(
            startLine: line.line,
            version: line.version, status: status, reason: line.reason, fields: fields, framing: framing,
            keepAlive: framing != .untilClose && FieldSemantics.keepAlive(line.version, tokens),
            isUpgrade: isUpgrade))
    }
}
