/// How many client connections fit in a descriptor limit: the value of
/// `max-connections auto`, and what `check` compares a written value with. Pure: the
/// limit and the number of event loops are inputs.
public enum DescriptorBudget {
    /// Per client connection: its own socket, its server connection, and on average one
    /// end of a splice pipe (pipes are borrowed only while bytes are in flight, and a
    /// session that cannot have one copies instead).
    public static let perConnection = 3

    /// Kept aside for everything that is not a client: 32 for the standard streams, logs,
    /// the state file, admin clients, the event feed and etcd; per event loop its epoll,
    /// wake-up and timer descriptors and one socket per listener; one health check per server.
    public static func reserved(_ configuration: ProxyConfiguration, loops: Int) -> Int {
        let listeners = configuration.roles.reduce(0) { $0 + $1.listeners.count } + (configuration.admin == nil ? 0 : 1)
        let servers = configuration.roles.reduce(0) { $0 + $1.servers.count }
        return 32 + loops * (4 + listeners) + servers
    }

    /// `max-connections auto`: what fits in `descriptorLimit` (at least 1).
    public static func maxConnections(descriptorLimit: Int, _ configuration: ProxyConfiguration, loops: Int) -> Int {
        max(1, (descriptorLimit - reserved(configuration, loops: loops)) / perConnection)
    }

    /// Descriptors `connections` open client connections may need, reserve included.
    public static func descriptorsNeeded(connections: Int, _ configuration: ProxyConfiguration, loops: Int) -> Int {
        reserved(configuration, loops: loops) + connections * perConnection
    }
}
