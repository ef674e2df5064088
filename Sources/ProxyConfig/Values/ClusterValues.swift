/// Value kinds of the `cluster` block.
extension ValueParsers {
    /// `name` and `node` become part of etcd keys (`/failover-proxy/NAME/…/NODE`): a `/`
    /// or a space would change the key's shape.
    static func keySegment(_ text: String) throws(ValueError) -> String {
        guard !text.isEmpty, text.count <= 253,
              text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else { throw ValueError(expected: "a name usable in an etcd key: letters, digits, '-', '_' or '.'") }
        return text
    }

    /// An etcd client URL: `http://HOST[:PORT]` or `https://…`, with no path but `/`
    /// (the client adds etcd's own API paths).
    static func etcdURL(_ text: String) throws(ValueError) -> HTTPURL {
        let url: HTTPURL
        do {
            url = try httpURL(text)
        } catch {
            throw ValueError(expected: "an http:// or https:// URL with a host (e.g. http://10.0.0.21:2379)")
        }
        guard url.path == "/" else {
            throw ValueError(expected: "an etcd client URL without a path (e.g. http://10.0.0.21:2379)")
        }
        return url
    }

    /// `etcd-user`: any non-empty text.
    static func userName(_ text: String) throws(ValueError) -> String {
        guard !text.isEmpty else { throw ValueError(expected: "a user name") }
        return text
    }

    static let minimumLeaseTTL: Duration = .seconds(2)
    static let minimumStaleAfter: Duration = .milliseconds(300)

    /// `lease-ttl`: etcd grants leases in whole seconds, and a shorter lease than 2s
    /// expires during etcd's own leader elections.
    static func leaseTTL(_ text: String) throws(ValueError) -> Duration {
        let value = try duration(text)
        guard value.components.attoseconds == 0 else {
            throw ValueError(expected: "whole seconds: etcd grants leases in seconds")
        }
        guard value >= minimumLeaseTTL else {
            throw ValueError(expected: "at least 2s: a shorter lease does not survive etcd's own leader elections")
        }
        return value
    }

    /// `stale-after`: below 300ms a member goes stale during etcd's own leader elections.
    static func staleAfter(_ text: String) throws(ValueError) -> Duration {
        let value = try duration(text)
        guard value >= minimumStaleAfter else {
            throw ValueError(expected: "at least 300ms: a shorter limit does not survive etcd's own leader elections")
        }
        return value
    }

    /// A duration as the file would write it: `10s`, `1500ms`.
    static func durationText(_ value: Duration) -> String {
        let (seconds, attoseconds) = value.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
