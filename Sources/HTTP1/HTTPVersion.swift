/// The two HTTP/1 versions accepted; anything else is `HTTPParseError.unsupportedVersion` (505).
public enum HTTPVersion: Equatable, Hashable, Sendable {
    case http1_0, http1_1

    /// "1.0" or "1.1", as used in `Via`.
    var protocolVersion: StaticString { self == .http1_0 ? "1.0" : "1.1" }

    /// Parses exactly `HTTP/<digit>.<digit>`: other digits → 505, anything else → nil (400).
    static func parse(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Result<HTTPVersion, HTTPParseError>? {
        guard r.count == 8 else { return nil }
        let s = r.lowerBound
        guard b[s] == 0x48, b[s + 1] == 0x54, b[s + 2] == 0x54, b[s + 3] == 0x50, b[s + 4] == 0x2F,
              ByteClass.isDigit(b[s + 5]), b[s + 6] == 0x2E, ByteClass.isDigit(b[s + 7])
        else { return nil }
        switch (b[s + 5], b[s + 7]) {
        case (0x31, 0x31): return .success(.http1_1)
        case (0x31, 0x30): return .success(.http1_0)
        default: return .failure(.unsupportedVersion)
        }
    }
}
