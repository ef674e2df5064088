/// Whether an `Accept-Encoding` field value lets the server answer with gzip (RFC 9110
/// §12.5.3): an explicit `gzip` (or the legacy alias `x-gzip`) entry decides by its q-value;
/// otherwise a `*` entry does; otherwise no. `q=0` means "not acceptable". A missing field
/// (nil) means no preference was stated, and the proxy then keeps the body as is.
public enum AcceptEncoding {
    public static func acceptsGzip(_ fieldValue: String?) -> Bool {
        guard let fieldValue else { return false }
        var gzipQuality: Double?
        var wildcardQuality: Double?
        for member in fieldValue.split(separator: ",") {
            let parts = member.split(separator: ";", omittingEmptySubsequences: false)
            let coding = parts[0].trimmingSpaces().lowercased()
            guard !coding.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "q" else { continue }
                // An unparsable q-value is treated as 0: refuse rather than guess.
                quality = Double(pair[1].trimmingSpaces()).map { min(max($0, 0), 1) } ?? 0
            }
            switch coding {
            case "gzip", "x-gzip": gzipQuality = max(gzipQuality ?? 0, quality)
            case "*": wildcardQuality = quality
            default: break
            }
        }
        if let gzipQuality { return gzipQuality > 0 }
        if let wildcardQuality { return wildcardQuality > 0 }
        return false
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
