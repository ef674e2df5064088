/// Incremental request-head parser (RFC 9112 §2–§7, strict where leniency enables smuggling).
///
/// Call `parse` with everything received so far for the current head, starting at the head's
/// first byte; each call resumes where the previous one stopped. After `.complete`, the next
/// call starts a new head (pass the bytes after the previous message). After `.error`, the
/// same error is returned until `reset()`. The returned head owns the field storage: between
/// heads the parser holds none (an idle keep-alive connection costs no field memory).
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPParserLimits
    private var scanner: HeadScanner
    private var requestLine: RequestLine?
    private var finished = false
    private var failure: HTTPParseError?

    public init(limits: HTTPParserLimits = .requestDefault) {
        self.limits = limits
        scanner = HeadScanner(limits: limits)
    }

    /// Forgets the current head.
    public mutating func reset() {
        scanner.reset()
        requestLine = nil
        finished = false
        failure = nil
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> HTTPParseResult<HTTPRequestHead> {
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
                switch RequestLine.parse(buffer, line) {
                case .success(let l): requestLine = l
                case .failure(let e): return fail(e)
                }
            case .end(let headLength):
                switch makeHead(buffer) {
                case .success(let head):
                    finished = true
                    return .complete(head, headLength: headLength)
                case .failure(let e):
                    return fail(e)
                }
            }
        }
    }

    private mutating func fail(_ e: HTTPParseError) -> HTTPParseResult<HTTPRequestHead> {
        failure = e
        return .error(e)
    }

    private mutating func makeHead(_ b: UnsafeRawBufferPointer) -> Result<HTTPRequestHead, HTTPParseError> {
        guard let line = requestLine else { return .failure(.invalidRequestLine) }
        let fields = scanner.takeFields()

        // Host (RFC 9112 §3.2): exactly one on 1.1, at most one on 1.0.
        var hosts = 0
        for f in fields where f.kind == .host { hosts += 1 }
        if hosts > 1 { return .failure(.multipleHosts) }
        if hosts == 0 && line.version == .http1_1 { return .failure(.missingHost) }

        // Framing (RFC 9112 §6.3): reject everything ambiguous instead of picking one reading.
        let contentLength: Int?
        switch FieldSemantics.contentLength(b, fields) {
        case .success(let n): contentLength = n
        case .failure(let e): return .failure(e)
        }
        let framing: BodyFraming
        switch FieldSemantics.transferCodings(b, fields) {
        case .absent:
            framing = contentLength.map { $0 == 0 ? .none : .contentLength($0) } ?? .none
        case .malformedChunked, .notChunkedFinal:
            return .failure(line.version == .http1_0 ? .transferEncodingInHTTP10 : .chunkedNotFinalEncoding)
        case .chunkedFinal(let unknownBefore):
            if line.version == .http1_0 { return .failure(.transferEncodingInHTTP10) }
            if contentLength != nil { return .failure(.contentLengthWithTransferEncoding) }
            if unknownBefore { return .failure(.unknownTransferCoding) }
            framing = .chunked
        }

        let tokens = FieldSemantics.connectionTokens(b, fields)
        var expectsContinue = false
        var upgrade: Range<Int>? = nil
        if line.version == .http1_1 {
            switch FieldSemantics.expectsContinue(b, fields) {
            case .none: break
            case .some(true): expectsContinue = true
            case .some(false): return .failure(.unsupportedExpectation)
            }
            if tokens.contains(.upgrade), let f = fields.first(where: { $0.kind == .upgrade }), !f.value.isEmpty {
                upgrade = f.value
            }
        }
        return .success(HTTPRequestHead(
            startLine: line.line,
            method: line.method, methodRange: line.methodRange, target: line.target, targetForm: line.targetForm,
            version: line.version, fields: fields, framing: framing,
            keepAlive: FieldSemantics.keepAlive(line.version, tokens),
            expectsContinue: expectsContinue, upgrade: upgrade))
    }
}
