import EventLoop

/// One etcd member's client URL, resolved, with its TLS settings when it is `https`.
struct EtcdEndpoint: Sendable {
    /// As configured, for status and errors.
    let url: String
    /// The `Host` header: host:port.
    let authority: String
    let address: SocketAddress
    let tls: UpstreamTLS?

    /// A POST with a JSON body; `token` is etcd's auth token (sent bare, no "Bearer").
    func request(path: String, body: [UInt8], token: String?, extraHeaders: [String] = []) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(authority)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nUser-Agent: failover-proxy-etcd\r\n"
        if let token { head += "Authorization: \(token)\r\n" }
        for header in extraHeaders { head += "\(header)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
