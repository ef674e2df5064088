/// Why a value was rejected: the text after "expected" in the diagnostic.
struct ValueError: Error, Equatable {
    var expected: String
}

/// Parsers for the value kinds of `proxy.conf`. Each returns the value or throws a
/// `ValueError` saying what was expected.
enum ValueParsers {
    static let durationExpectation = "a duration with a unit: ms, s, m or h (e.g. 250ms, 2s)"

    /// `250ms`, `2s`, `1m`, `1h`; a bare number has no unit and is rejected.
    static func duration(_ text: String) throws(ValueError) -> Duration {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 9, let amount = Int64(digits) else {
            throw ValueError(expected: durationExpectation)
        }
        switch unit {
        case "ms": return .milliseconds(amount)
        case "s": return .seconds(amount)
        case "m": return .seconds(amount * 60)
        case "h": return .seconds(amount * 3600)
        default: throw ValueError(expected: durationExpectation)
        }
    }

    /// `512`, `16k`, `1m` (1024-based), in bytes.
    static func size(_ text: String) throws(ValueError) -> Int {
        let expectation = ValueError(expected: "a size in bytes, optionally with k or m (e.g. 512, 16k, 1m)")
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let amount = Int(digits) else { throw expectation }
        switch text.dropFirst(digits.count) {
        case "": return amount
        case "k", "K": return amount * 1024
        case "m", "M": return amount * 1024 * 1024
        default: throw expectation
        }
    }

    /// `on` or `off`.
    static func boolean(_ text: String) throws(ValueError) -> Bool {
        switch text {
        case "on": return true
        case "off": return false
        default: throw ValueError(expected: "'on' or 'off'")
        }
    }

    /// A decimal integer within `range`.
    /// `max-connections N`: at least one, at most ten million.
    static let connectionCounts = 1...10_000_000

    static func integer(_ text: String, in range: ClosedRange<Int>) throws(ValueError) -> Int {
        guard text.count <= 12, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
              range.contains(value)
        else { throw ValueError(expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") }
        return value
    }

    static func port(_ text: String, allowingEphemeral: Bool = false) throws(ValueError) -> UInt16 {
        do {
            return UInt16(try integer(text, in: (allowingEphemeral ? 0 : 1)...65535))
        } catch {
            throw ValueError(expected: allowingEphemeral ? "a port from 0 to 65535" : "a port from 1 to 65535")
        }
    }

    /// One of `choices`, spelt exactly.
    static func keyword<T>(_ text: String, _ choices: KeyValuePairs<String, T>) throws(ValueError) -> T {
        if let match = choices.first(where: { $0.key == text }) { return match.value }
        let names = choices.map { "'\($0.key)'" }
        throw ValueError(expected: names.dropLast().joined(separator: ", ") + " or " + names.last!)
    }

    /// An HTTP status range `200-399`, or one status `200`; statuses are 100–599.
    static func statusRange(_ text: String) throws(ValueError) -> ClosedRange<Int> {
        let expectation = ValueError(expected: "a status range like 200-399 (statuses 100 to 599)")
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        do {
            let low = try integer(parts[0], in: 100...599)
            let high = parts.count == 2 ? try integer(parts[1], in: 100...599) : low
            guard low <= high else { throw expectation }
            return low...high
        } catch {
            throw expectation
        }
    }

    static let addressExpectation = "an address HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, localhost:80)"

    /// `host:port`, `0.0.0.0:8080`, `[::1]:8080`, `localhost:80`; port 1–65535.
    static func address(_ text: String) throws(ValueError) -> Endpoint {
        try address(text, allowingEphemeral: false)
    }

    /// A listening address: like `address`, and port 0 asks the kernel for a free port
    /// (tests, or an admin listener nobody needs at a fixed place).
    static func listenAddress(_ text: String) throws(ValueError) -> Endpoint {
        try address(text, allowingEphemeral: true)
    }

    private static func address(_ text: String, allowingEphemeral: Bool) throws(ValueError) -> Endpoint {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ValueError(expected: addressExpectation) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), isIPv6(host) else { throw ValueError(expected: addressExpectation) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValueError(expected: addressExpectation) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ValueError(expected: "an IPv6 address in brackets with a port (e.g. [::1]:8080)")
            }
            guard isHostName(host) else { throw ValueError(expected: addressExpectation) }
        }
        return Endpoint(host: String(host), port: try port(String(portText), allowingEphemeral: allowingEphemeral))
    }

    /// A DNS name or a dotted IPv4 address (an all-numeric name must be a valid IPv4 address).
    static func isHostName(_ host: Substring) -> Bool {
        guard !host.isEmpty, host.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }),
              !host.hasPrefix("."), !host.hasPrefix("-")
        else { return false }
        if host.allSatisfy({ $0.isNumber || $0 == "." }) {
            let parts = host.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && Int($0)! <= 255 }
        }
        return true
    }

    /// `tls-name`: what the server's certificate must match and what goes out as SNI. A
    /// longer name than 253 characters is no DNS name, and OpenSSL refuses SNI over 255
    /// bytes at every connect: caught here, not on the first request.
    static func tlsName(_ text: String) throws(ValueError) -> String {
        let host = Substring(text)
        guard isHostName(host) || isIPv6(host) else {
            throw ValueError(expected: "a DNS name or an IP address, at most 253 characters (e.g. primary.example.com)")
        }
        return text
    }

    /// RFC 4291 text form: up to eight hex groups, one `::`, an optional dotted IPv4 tail.
    static func isIPv6(_ host: Substring) -> Bool {
        let halves = host.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2, !host.isEmpty else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (partIndex, part) in parts.enumerated() {
                let isLastOfAll = halfIndex == halves.count - 1 && partIndex == parts.count - 1
                if isLastOfAll, part.contains("."), isHostName(part), part.allSatisfy({ $0.isNumber || $0 == "." }) {
                    groups += 2
                } else if (1...4).contains(part.count), part.allSatisfy({ $0.isHexDigit }) {
                    groups += 1
                } else {
                    return false
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    /// `http://HOST[:PORT][/PATH]` or `https://…`.
    static func httpURL(_ text: String) throws(ValueError) -> HTTPURL {
        let expectation = ValueError(expected: "an http:// or https:// URL (e.g. http://127.0.0.1:7000/events)")
        let scheme: String
        if text.hasPrefix("http://") {
            scheme = "http"
        } else if text.hasPrefix("https://") {
            scheme = "https"
        } else {
            throw expectation
        }
        let rest = text.dropFirst(scheme.count + 3)
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = String(rest[..<slash])
        var path = String(rest[slash...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        let defaultPort: UInt16 = scheme == "https" ? 443 : 80
        let address: Endpoint
        do {
            let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
            address = try Self.address(hasPort ? authority : "\(authority):\(defaultPort)")
        } catch {
            throw expectation
        }
        return HTTPURL(scheme: scheme, host: address.host, port: address.port, path: path, text: text)
    }

    /// Names of roles and servers: they appear in URLs, JSON and metric labels.
    static func name(_ text: String) throws(ValueError) -> String {
        guard !text.isEmpty, text.count <= 64,
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else { throw ValueError(expected: "a name of letters, digits, '-', '_' or '.'") }
        return text
    }

    /// A file path: any non-empty text.
    static func path(_ text: String) throws(ValueError) -> String {
        guard !text.isEmpty else { throw ValueError(expected: "a file path") }
        return text
    }
}
