/// The form of a request-target (RFC 9112 §3.2).
public enum HTTPRequestTargetForm: Equatable, Hashable, Sendable {
    /// `/path?query`
    case origin
    /// `http://host/path`
    case absolute
    /// `host:port`, CONNECT only.
    case authority
    /// `*`, OPTIONS only.
    case asterisk
}

/// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), single spaces only.
struct RequestLine {
    var line: Range<Int>
    var method: HTTPMethod
    var methodRange: Range<Int>
    var target: Range<Int>
    var targetForm: HTTPRequestTargetForm
    var version: HTTPVersion

    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<RequestLine, HTTPParseError> {
        var i = line.lowerBound
        while i < line.upperBound, ByteClass.isTChar(b[i]) { i += 1 }
        guard i < line.upperBound, b[i] == ByteClass.sp else { return .failure(.invalidRequestLine) }
        guard i > line.lowerBound else { return .failure(.invalidMethod) }
        let methodRange = line.lowerBound..<i
        i += 1
        let targetStart = i
        while i < line.upperBound, b[i] > ByteClass.sp, b[i] != 0x7F { i += 1 }
        guard i < line.upperBound, b[i] == ByteClass.sp else {
            return .failure(i == line.upperBound ? .invalidRequestLine : .invalidRequestTarget)
        }
        guard i > targetStart else { return .failure(.invalidRequestLine) }
        let target = targetStart..<i
        guard let versionResult = HTTPVersion.parse(b, (i + 1)..<line.upperBound) else {
            return .failure(.invalidVersion)
        }
        let version: HTTPVersion
        switch versionResult {
        case .success(let v): version = v
        case .failure(let e): return .failure(e)
        }
        let method = HTTPMethod.classify(b, methodRange)
        guard let form = targetForm(b, target, method: method) else { return .failure(.invalidRequestTarget) }
        return .success(RequestLine(line: line, method: method, methodRange: methodRange, target: target, targetForm: form, version: version))
    }

    /// The form the target has, or nil when it is not valid for this method.
    private static func targetForm(_ b: UnsafeRawBufferPointer, _ t: Range<Int>, method: HTTPMethod) -> HTTPRequestTargetForm? {
        let first = b[t.lowerBound]
        if method == .connect {
            // authority-form = uri-host ":" port
            guard let colon = lastIndex(of: ByteClass.colon, b, t), colon > t.lowerBound, colon + 1 < t.upperBound else { return nil }
            for j in (colon + 1)..<t.upperBound where !ByteClass.isDigit(b[j]) { return nil }
            for j in t.lowerBound..<colon where b[j] == 0x2F || b[j] == 0x40 || b[j] == 0x3F || b[j] == 0x23 { return nil }
            return .authority
        }
        if first == 0x2F { return .origin }
        if first == 0x2A {
            return t.count == 1 && method == .options ? .asterisk : nil
        }
        // absolute-form: scheme ":" ..., scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        guard ByteClass.lowercased(first) &- 0x61 < 26 else { return nil }
        var j = t.lowerBound + 1
        while j < t.upperBound {
            let c = b[j]
            if c == ByteClass.colon { return j + 1 < t.upperBound ? .absolute : nil }
            guard ByteClass.lowercased(c) &- 0x61 < 26 || ByteClass.isDigit(c) || c == 0x2B || c == 0x2D || c == 0x2E else { return nil }
            j += 1
        }
        return nil
    }

    private static func lastIndex(of byte: UInt8, _ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        var j = r.upperBound
        while j > r.lowerBound {
            j -= 1
            if b[j] == byte { return j }
        }
        return nil
    }
}
