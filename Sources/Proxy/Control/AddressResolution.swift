import EventLoop
import ProxyConfig

/// Turns config endpoints into socket addresses, once, at start-up (getaddrinfo may block:
/// never on a loop).
enum AddressResolution {
    static func resolve(_ endpoint: Endpoint, what: String) throws(ProxyError) -> SocketAddress {
        if let numeric = SocketAddress(host: endpoint.host, port: endpoint.port) { return numeric }
        let found = SocketAddress.resolve(host: endpoint.host, port: endpoint.port)
        // Prefer IPv4 for names such as `localhost`, like most clients do.
        guard let first = found.first(where: { !$0.isIPv6 }) ?? found.first else {
            throw .unresolvable(what, endpoint.host)
        }
        return first
    }

    static func target(for server: ServerConfig) throws(ProxyError) -> ServerTarget {
        let data = try resolve(server.address, what: "server '\(server.name)'")
        let health = try resolve(server.healthAddress, what: "server '\(server.name)' health")
        return ServerTarget(data: data, health: health, hostHeader: server.address.description)
    }
}
