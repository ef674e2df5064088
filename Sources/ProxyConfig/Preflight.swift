/// The deployment rules of role failover (SPEC §3), checked on a valid configuration
/// and reported as warnings: the file is usable, but the deployment will not fail over well.
public enum Preflight {
    public static func warnings(for configuration: ProxyConfiguration, file: String) -> [Diagnostic] {
        var sink = DiagnosticSink(file: file)
        for role in configuration.roles {
            if role.servers.count == 1 {
                sink.warning("role '\(role.name)' has a single server; it has no failover", at: role.location)
            }
            checkDatabase(of: role, sink: &sink)
            checkDistinctServerAddresses(of: role, sink: &sink)
            checkListenersAreNotServers(of: role, in: configuration, sink: &sink)
        }
        return sink.sorted
    }

    /// The host part of a SQL Server data source: before `\INSTANCE` or `,PORT`, without a
    /// `tcp:` prefix, lowercased.
    static func databaseHost(_ database: String) -> String {
        var text = Substring(database.trimmingSpaces.lowercased())
        if text.hasPrefix("tcp:") { text = text.dropFirst(4) }
        let end = text.firstIndex { $0 == "\\" || $0 == "," } ?? text.endIndex
        return String(text[..<end]).trimmingSpaces
    }

    static func isLocalDatabaseHost(_ host: String) -> Bool {
        host.hasPrefix("(local)") || host.hasPrefix("(localdb)") || host == "." || host == "localhost"
            || host == "127.0.0.1" || host == "::1"
    }

    /// The role database must live on a third machine: a database on a server that
    /// hosts the role goes down with it.
    private static func checkDatabase(of role: RoleConfig, sink: inout DiagnosticSink) {
        guard let database = role.database, let location = role.databaseLocation else { return }
        let host = databaseHost(database)
        if isLocalDatabaseHost(host) {
            sink.warning(
                "database '\(database)' is local to each server of role '\(role.name)'; it must move to a third machine",
                at: location)
        } else if let server = role.servers.first(where: { $0.address.host.lowercased() == host }) {
            sink.warning(
                "database '\(database)' is on server '\(server.name)', which hosts role '\(role.name)'; it must move to a third machine",
                at: location)
        }
    }

    private static func checkDistinctServerAddresses(of role: RoleConfig, sink: inout DiagnosticSink) {
        for (index, server) in role.servers.enumerated() {
            if let earlier = role.servers[..<index].first(where: { sameAddress($0.address, server.address) }) {
                sink.warning(
                    "servers '\(earlier.name)' and '\(server.name)' of role '\(role.name)' have the same address \(server.address)",
                    at: server.location)
            }
        }
    }

    /// A listener that is also a server address would forward to itself.
    private static func checkListenersAreNotServers(
        of role: RoleConfig, in configuration: ProxyConfiguration, sink: inout DiagnosticSink
    ) {
        for listener in role.listeners {
            for other in configuration.roles {
                guard let server = other.servers.first(where: { listens(listener.address, on: $0.address) }) else { continue }
                sink.warning(
                    "listen address \(listener.address) of role '\(role.name)' is also the address of server '\(server.name)' (\(server.address)) of role '\(other.name)'",
                    at: listener.location)
                break
            }
        }
    }

    static func sameAddress(_ a: Endpoint, _ b: Endpoint) -> Bool {
        a.port == b.port && a.host.lowercased() == b.host.lowercased()
    }

    /// Exact matches, and a wildcard listener on the port of a loopback server address.
    /// Other hosts are not resolved: whether they are this machine is not known here.
    static func listens(_ listen: Endpoint, on server: Endpoint) -> Bool {
        sameAddress(listen, server) || (listen.port == server.port && listen.isWildcard && (server.isLoopback || server.isWildcard))
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
