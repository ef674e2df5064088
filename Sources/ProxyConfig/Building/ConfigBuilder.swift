/// Turns the statement tree into a `ProxyConfiguration`, reporting every semantic error.
struct ConfigBuilder {
    var checks: StatementChecks
    /// The default `node` of a `cluster` block; nil when not known.
    let hostName: String?

    init(sink: DiagnosticSink, hostName: String? = nil) {
        checks = StatementChecks(sink: sink)
        self.hostName = hostName
    }

    var sink: DiagnosticSink { checks.sink }

    mutating func build(_ statements: [Statement]) -> ProxyConfiguration {
        var config = ProxyConfiguration()
        var seen = SeenDirectives()
        var adminListen: (Endpoint, SourceLocation)?
        var roleLines: [String: Int] = [:]
        var stateFileLocation: SourceLocation?
        for s in statements {
            switch s.text {
            case "admin":
                guard seen.isFirst(s, sink: &checks.sink), let (_, body) = checks.block(s, 0...0) else { continue }
                let admin = buildAdmin(body)
                config.admin = admin.config
                adminListen = (admin.config.listen, admin.listenLocation ?? s.location)
            case "state-file":
                stateFileLocation = stateFileLocation ?? s.location
                config.stateFile = checks.single(s, seen: &seen, ValueParsers.path) ?? config.stateFile
            case "access-log":
                if let path = checks.single(s, seen: &seen, ValueParsers.path) {
                    config.accessLog = path == "stderr" ? .stderr : .file(path)
                }
            case "shutdown-timeout":
                config.shutdownTimeout = checks.single(s, seen: &seen, ValueParsers.duration) ?? config.shutdownTimeout
            case "workers":
                config.workers = checks.single(s, seen: &seen, Self.workers) ?? config.workers
            case "max-connections":
                if let value = checks.single(s, seen: &seen, Self.maxConnections) {
                    config.maxConnections = value
                    config.maxConnectionsLocation = s.arguments[0].location
                }
            case "role":
                guard let (arguments, body) = checks.block(s, 1...1, usage: "a name") else { continue }
                let name = checks.value(arguments[0], for: "role", ValueParsers.name) ?? ""
                if !name.isEmpty, let earlier = roleLines[name] {
                    checks.sink.error("duplicate role '\(name)'; first defined at line \(earlier)", at: arguments[0].location)
                }
                roleLines[name] = roleLines[name] ?? s.location.line
                var roleBuilder = RoleBuilder(checks: checks)
                config.roles.append(roleBuilder.build(name: name, at: s.location, body))
                checks = roleBuilder.checks
            case "cluster":
                guard seen.isFirst(s, sink: &checks.sink), let (_, body) = checks.block(s, 0...0) else { continue }
                var clusterBuilder = ClusterBuilder(checks: checks, hostName: hostName)
                config.cluster = clusterBuilder.build(at: s.location, body)
                checks = clusterBuilder.checks
            default:
                checks.sink.error(BlockKind.top.unknownDirectiveMessage(s.text), at: s.location)
            }
        }
        checkListenAddressesAreDistinct(config, adminListen: adminListen)
        if statements.contains(where: { $0.text == "cluster" }), let stateFileLocation {
            checks.sink.warning("'state-file' is not used in cluster mode: the state lives in etcd", at: stateFileLocation)
        }
        return config
    }

    private static func workers(_ text: String) throws(ValueError) -> WorkerCount {
        if text == "auto" { return .auto }
        do {
            return .count(try ValueParsers.integer(text, in: 1...1024))
        } catch {
            throw ValueError(expected: "'auto' or a number of event loops from 1 to 1024")
        }
    }

    private static func maxConnections(_ text: String) throws(ValueError) -> MaxConnections {
        if text == "auto" { return .auto }
        do {
            return .count(try ValueParsers.integer(text, in: ValueParsers.connectionCounts))
        } catch {
            throw ValueError(expected: "'auto' or a number of connections from 1 to 10000000")
        }
    }

    private mutating func buildAdmin(_ body: [Statement]) -> (config: AdminConfig, listenLocation: SourceLocation?) {
        var admin = AdminConfig()
        var seen = SeenDirectives()
        var listenLocation: SourceLocation?
        for s in body {
            switch s.text {
            case "listen":
                if let address = checks.single(s, seen: &seen, ValueParsers.listenAddress) {
                    admin.listen = address
                    listenLocation = s.location
                }
            case "token-file":
                admin.tokenFile = checks.single(s, seen: &seen, ValueParsers.path) ?? admin.tokenFile
            default:
                checks.sink.error(BlockKind.admin.unknownDirectiveMessage(s.text), at: s.location)
            }
        }
        return (admin, listenLocation)
    }

    /// Two listeners on one address cannot both bind: report the later one.
    private mutating func checkListenAddressesAreDistinct(
        _ config: ProxyConfiguration, adminListen: (Endpoint, SourceLocation)?
    ) {
        var bound: [Endpoint: SourceLocation] = [:]
        if let (address, location) = adminListen { bound[address] = location }
        for role in config.roles {
            for listener in role.listeners where listener.address.port != 0 {  // port 0: each gets its own
                if let earlier = bound[listener.address] {
                    checks.sink.error(
                        "listen address \(listener.address) is already used at line \(earlier.line)",
                        at: listener.location)
                } else {
                    bound[listener.address] = listener.location
                }
            }
        }
    }
}
