/// A `host:port` from `proxy.conf`. `host` is an IPv4 address, a host name, or an IPv6
/// address without its brackets; it is not resolved here.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }

    /// `host:port`, or `[v6]:port` for an IPv6 host.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Any-address hosts: `0.0.0.0` and `::`.
    public var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0" }

    /// Loopback hosts as written: `127.x.x.x`, `::1` and `localhost`.
    public var isLoopback: Bool {
        let lower = host.lowercased()
        return lower == "localhost" || lower == "::1" || lower.hasPrefix("127.")
    }
}
