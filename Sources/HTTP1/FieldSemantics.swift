/// Reads the fields that decide framing and connection handling. Each function walks the
/// parsed field ranges once; nothing is copied.
enum FieldSemantics {
    /// The `Connection` tokens the proxy acts on.
    struct ConnectionTokens: OptionSet {
        let rawValue: UInt8
        static let close = ConnectionTokens(rawValue: 1)
        static let keepAlive = ConnectionTokens(rawValue: 2)
        static let upgrade = ConnectionTokens(rawValue: 4)
    }

    static func connectionTokens(_ b: UnsafeRawBufferPointer, _ fields: [HTTPField]) -> ConnectionTokens {
        var tokens: ConnectionTokens = []
        for f in fields where f.kind == .connection {
            b.forEachListElement(in: f.value) { e in
                if b.equalsIgnoringCase(e, "close") { tokens.insert(.close) }
                else if b.equalsIgnoringCase(e, "keep-alive") { tokens.insert(.keepAlive) }
                else if b.equalsIgnoringCase(e, "upgrade") { tokens.insert(.upgrade) }
                return true
            }
        }
        return tokens
    }

    /// Persistence (RFC 9112 §9.3): 1.1 unless `close`; 1.0 only with `keep-alive`.
    static func keepAlive(_ version: HTTPVersion, _ tokens: ConnectionTokens) -> Bool {
        if tokens.contains(.close) { return false }
        return version == .http1_1 || tokens.contains(.keepAlive)
    }

    /// All `Content-Length` values (fields and list elements) must be the same digits-only
    /// number below 2^63; nil when absent.
    static func contentLength(_ b: UnsafeRawBufferPointer, _ fields: [HTTPField]) -> Result<Int?, HTTPParseError> {
        var length: Int? = nil
        var error: HTTPParseError? = nil
        for f in fields where f.kind == .contentLength {
            b.forEachListElement(in: f.value) { e in
                guard let n = parseDecimal(b, e) else { error = .invalidContentLength; return false }
                if let previous = length, previous != n { error = .conflictingContentLengths; return false }
                length = n
                return true
            }
            if let error { return .failure(error) }
        }
        return .success(length)
    }

    private static func parseDecimal(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        guard !r.isEmpty else { return nil }
        var n = 0
        for j in r {
            let c = b[j]
            guard ByteClass.isDigit(c) else { return nil }
            let (times10, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(c &- 0x30))
            if o1 || o2 { return nil }
            n = sum
        }
        return n
    }

    /// What the `Transfer-Encoding` fields, taken together as one list, say.
    enum TransferCodings: Equatable {
        case absent
        /// `chunked` is the final coding; `unknownBefore` when an earlier coding is not registered.
        case chunkedFinal(unknownBefore: Bool)
        /// Present, but the final coding is not `chunked` (or the list is empty).
        case notChunkedFinal
        /// `chunked` applied twice, or with parameters.
        case malformedChunked
    }

    static func transferCodings(_ b: UnsafeRawBufferPointer, _ fields: [HTTPField]) -> TransferCodings {
        var present = false
        var lastIsChunked = false
        var sawChunked = false
        var malformed = false
        var unknown = false
        for f in fields where f.kind == .transferEncoding {
            present = true
            b.forEachListElement(in: f.value) { e in
                if e.isEmpty { return true }
                let semicolon = b.firstIndex(of: ByteClass.semicolon, from: e.lowerBound, to: e.upperBound)
                let name = b.trimmingOWS(e.lowerBound..<(semicolon ?? e.upperBound))
                if b.equalsIgnoringCase(name, "chunked") {
                    if sawChunked || semicolon != nil { malformed = true; return false }
                    sawChunked = true
                    lastIsChunked = true
                } else {
                    // A coding after `chunked` leaves it non-final: the caller decides (400 / read until close).
                    lastIsChunked = false
                    if !isRegisteredCoding(b, name) { unknown = true }
                }
                return true
            }
            if malformed { return .malformedChunked }
        }
        if !present { return .absent }
        return lastIsChunked ? .chunkedFinal(unknownBefore: unknown) : .notChunkedFinal
    }

    /// Codings of the IANA registry a proxy can pass through untouched.
    private static func isRegisteredCoding(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Bool {
        b.equalsIgnoringCase(r, "gzip") || b.equalsIgnoringCase(r, "deflate") || b.equalsIgnoringCase(r, "compress")
            || b.equalsIgnoringCase(r, "x-gzip") || b.equalsIgnoringCase(r, "x-compress")
    }

    /// nil when there is no `Expect`; true for `100-continue`; false for anything else (417).
    static func expectsContinue(_ b: UnsafeRawBufferPointer, _ fields: [HTTPField]) -> Bool? {
        var result: Bool? = nil
        for f in fields where f.kind == .expect {
            guard b.equalsIgnoringCase(f.value, "100-continue") else { return false }
            result = true
        }
        return result
    }
}
