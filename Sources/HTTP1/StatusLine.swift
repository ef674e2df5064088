/// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). A missing
/// SP before an empty reason is tolerated (seen in the wild, harmless for framing).
struct StatusLine {
    var line: Range<Int>
    var version: HTTPVersion
    var status: Int
    var reason: Range<Int>

    static func parse(_ b: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<StatusLine, HTTPParseError> {
        let s = line.lowerBound
        guard line.count >= 12, b[s + 8] == ByteClass.sp else { return .failure(.invalidStatusLine) }
        guard let versionResult = HTTPVersion.parse(b, s..<(s + 8)) else { return .failure(.invalidStatusLine) }
        let version: HTTPVersion
        switch versionResult {
        case .success(let v): version = v
        case .failure(let e): return .failure(e)
        }
        var status = 0
        for j in (s + 9)..<(s + 12) {
            guard ByteClass.isDigit(b[j]) else { return .failure(.invalidStatusLine) }
            status = status * 10 + Int(b[j] &- 0x30)
        }
        guard (100...599).contains(status) else { return .failure(.invalidStatusLine) }
        var reason = line.upperBound..<line.upperBound
        if line.count > 12 {
            guard b[s + 12] == ByteClass.sp else { return .failure(.invalidStatusLine) }
            reason = (s + 13)..<line.upperBound
            for j in reason where ByteClass.isForbiddenInValue(b[j]) { return .failure(.invalidStatusLine) }
        }
        return .success(StatusLine(line: line, version: version, status: status, reason: reason))
    }
}
