/// A `server NAME ADDRESS [health-port PORT] [tls] [tls-name NAME];` line.
public struct ServerConfig: Sendable, Equatable {
    public var name: String
    public var address: Endpoint
    /// `health-port`: check this port instead of the address's; nil: the address's port.
    public var healthPort: UInt16?
    /// `tls`: connect to the server (and check its health) over TLS.
    public var tls: Bool
    /// `tls-name`: the name its certificate must match; nil: the host part of `address`.
    public var tlsName: String?
    /// Where the `server` line starts.
    public var location: SourceLocation

    public init(
        name: String,
        address: Endpoint,
        healthPort: UInt16? = nil,
        tls: Bool = false,
        tlsName: String? = nil,
        location: SourceLocation = SourceLocation(line: 0, column: 0)
    ) {
        self.name = name
        self.address = address
        self.healthPort = healthPort
        self.tls = tls
        self.tlsName = tlsName
        self.location = location
    }

    /// The name the server's certificate must match.
    public var effectiveTLSName: String { tlsName ?? address.host }
    /// The address health checks connect to.
    public var healthAddress: Endpoint { Endpoint(host: address.host, port: healthPort ?? address.port) }
}

/// A `listen ADDRESS [tls];` line of a role.
public struct ListenerConfig: Sendable, Equatable {
    public var address: Endpoint
    /// `tls`: terminate TLS with the role's `tls-certificate` and `tls-key`.
    public var tls: Bool
    /// Where the `listen` line starts.
    public var location: SourceLocation

    public init(address: Endpoint, tls: Bool = false, location: SourceLocation = SourceLocation(line: 0, column: 0)) {
        self.address = address
        self.tls = tls
        self.location = location
    }
}
