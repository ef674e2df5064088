/// Builds one `role` block: its directives, its `health` block and its `server` lines.
struct RoleBuilder {
    var checks: StatementChecks

    mutating func build(name: String, at location: SourceLocation, _ body: [Statement]) -> RoleConfig {
        var role = RoleConfig(name: name, location: location)
        var seen = SeenDirectives()
        var serverLines: [String: Int] = [:]
        for s in body {
            switch s.text {
            case "listen":
                if let listener = listener(s) { role.listeners.append(listener) }
            case "server":
                guard let server = server(s) else { continue }
                if let earlier = serverLines[server.name] {
                    checks.sink.error(
                        "duplicate server '\(server.name)' in role '\(name)'; first defined at line \(earlier)",
                        at: s.arguments[0].location)
                } else {
                    serverLines[server.name] = s.location.line
                    role.servers.append(server)
                }
            case "health":
                guard seen.isFirst(s, sink: &checks.sink), let (_, body) = checks.block(s, 0...0) else { continue }
                role.health = health(body)
            case "events":
                if let urls = events(s, seen: &seen) { role.eventFeeds = urls }
            case "database":
                if let database = checks.single(s, seen: &seen, ValueParsers.path) {
                    role.database = database
                    role.databaseLocation = s.location
                }
            default:
                setting(s, of: &role, seen: &seen)
            }
        }
        // A role whose `listen` or `server` lines were all invalid already has its errors.
        checkRequiredParts(
            role,
            wroteListen: body.contains { $0.text == "listen" },
            wroteServer: body.contains { $0.text == "server" })
        return role
    }

    /// The single-valued settings of a role.
    private mutating func setting(_ s: Statement, of role: inout RoleConfig, seen: inout SeenDirectives) {
        func set<T>(_ field: WritableKeyPath<RoleConfig, T>, _ parse: (String) throws(ValueError) -> T) {
            if let value = checks.single(s, seen: &seen, parse) { role[keyPath: field] = value }
        }
        func setOptional<T>(_ field: WritableKeyPath<RoleConfig, T?>, _ parse: (String) throws(ValueError) -> T) {
            if let value = checks.single(s, seen: &seen, parse) { role[keyPath: field] = value }
        }
        switch s.text {
        case "mode": set(\.mode) { text throws(ValueError) in try ValueParsers.keyword(text, ["http": .http, "tcp": .tcp]) }
        case "failback": set(\.failback, ValueParsers.boolean)
        case "on-failover":
            set(\.onFailover) { text throws(ValueError) in try ValueParsers.keyword(text, ["close": .close, "keep": .keep]) }
        case "hold": set(\.hold, ValueParsers.duration)
        case "drain-timeout": set(\.drainTimeout, ValueParsers.duration)
        case "connect-timeout": set(\.connectTimeout, ValueParsers.positiveDuration)
        case "idle-timeout": set(\.idleTimeout, ValueParsers.positiveDuration)
        case "head-timeout": set(\.headTimeout, ValueParsers.positiveDuration)
        case "tls-certificate": setOptional(\.tlsCertificate, ValueParsers.path)
        case "tls-key": setOptional(\.tlsKey, ValueParsers.path)
        case "tls-ca": setOptional(\.tlsCA, ValueParsers.path)
        case "tls-verify": set(\.tlsVerify, ValueParsers.boolean)
        case "compress": set(\.compress, ValueParsers.boolean)
        case "compress-min-size": set(\.compressMinSize, ValueParsers.size)
        case "splice": set(\.splice, ValueParsers.boolean)
        case "max-head-size":
            set(\.maxHeadSize) { text throws(ValueError) in
                let size = try ValueParsers.size(text)
                guard size >= 1024 else { throw ValueError(expected: "a size of at least 1k") }
                return size
            }
        case "max-headers": set(\.maxHeaders) { text throws(ValueError) in try ValueParsers.integer(text, in: 1...10_000) }
        case "max-connections":
            setOptional(\.maxConnections) { text throws(ValueError) in try ValueParsers.integer(text, in: ValueParsers.connectionCounts) }
            if role.maxConnections != nil, role.maxConnectionsLocation == nil { role.maxConnectionsLocation = s.arguments.first?.location }
        case "hold-queue": set(\.holdQueue) { text throws(ValueError) in try ValueParsers.integer(text, in: 0...1_000_000) }
        default: checks.sink.error(BlockKind.role.unknownDirectiveMessage(s.text), at: s.location)
        }
    }

    /// `events URL [URL…];`: the feed's URLs in the order they are tried; each is checked.
    private mutating func events(_ s: Statement, seen: inout SeenDirectives) -> [HTTPURL]? {
        guard seen.isFirst(s, sink: &checks.sink),
              let arguments = checks.arguments(s, 1...Int.max, usage: "one or more feed URLs")
        else { return nil }
        var urls: [HTTPURL] = []
        var valid = true
        for argument in arguments {
            guard let url = checks.value(argument, for: "events", ValueParsers.httpURL) else {
                valid = false
                continue
            }
            if urls.contains(where: { $0.text == url.text }) {
                checks.sink.warning("duplicate events URL '\(url.text)'", at: argument.location)
            } else {
                urls.append(url)
            }
        }
        return valid ? urls : nil
    }

    /// `listen ADDRESS [tls];`
    private mutating func listener(_ s: Statement) -> ListenerConfig? {
        guard let arguments = checks.arguments(s, 1...2, usage: "an address and an optional 'tls'") else { return nil }
        let address = checks.value(arguments[0], for: "listen", ValueParsers.listenAddress)
        var tls = false
        if arguments.count == 2 {
            if arguments[1].text == "tls" {
                tls = true
            } else {
                checks.sink.error("unknown listen option '\(arguments[1].text)'; expected 'tls'", at: arguments[1].location)
                return nil
            }
        }
        guard let address else { return nil }
        return ListenerConfig(address: address, tls: tls, location: s.location)
    }

    static let serverOptions = ["health-port", "tls", "tls-name"]

    /// `server NAME ADDRESS [health-port PORT] [tls] [tls-name NAME];`
    private mutating func server(_ s: Statement) -> ServerConfig? {
        guard let arguments = checks.arguments(s, 2...Int.max, usage: "a name and an address") else { return nil }
        let name = checks.value(arguments[0], for: "server", ValueParsers.name)
        let address = checks.value(arguments[1], for: "server", ValueParsers.address)
        var server = ServerConfig(name: name ?? "", address: address ?? Endpoint(host: "", port: 0), location: s.location)
        var valid = name != nil && address != nil
        var seenOptions: Set<String> = []
        var index = 2
        while index < arguments.count {
            let option = arguments[index]
            index += 1
            guard Self.serverOptions.contains(option.text) else {
                let hint = Suggestion.nearest(to: option.text, in: Self.serverOptions).map { "did you mean '\($0)'?" }
                    ?? "expected 'health-port PORT', 'tls' or 'tls-name NAME'"
                checks.sink.error("unknown server option '\(option.text)'; \(hint)", at: option.location)
                // What follows may be the unknown option's own value: reporting it too would be noise.
                return nil
            }
            if !seenOptions.insert(option.text).inserted {
                checks.sink.error("duplicate server option '\(option.text)'", at: option.location)
                valid = false
            }
            if option.text == "tls" {
                server.tls = true
                continue
            }
            guard index < arguments.count else {
                let what = option.text == "health-port" ? "a port" : "a name"
                checks.sink.error("server option '\(option.text)' needs \(what) after it", at: option.location)
                return nil
            }
            let argument = arguments[index]
            index += 1
            if option.text == "health-port" {
                server.healthPort = checks.value(argument, for: "health-port") { text throws(ValueError) in try ValueParsers.port(text) }
                valid = valid && server.healthPort != nil
            } else {
                server.tlsName = checks.value(argument, for: "tls-name", ValueParsers.tlsName)
                valid = valid && server.tlsName != nil
            }
        }
        return valid ? server : nil
    }

    private mutating func health(_ body: [Statement]) -> HealthConfig {
        var health = HealthConfig()
        var seen = SeenDirectives()
        for s in body {
            func set<T>(_ field: WritableKeyPath<HealthConfig, T>, _ parse: (String) throws(ValueError) -> T) {
                if let value = checks.single(s, seen: &seen, parse) { health[keyPath: field] = value }
            }
            switch s.text {
            case "path":
                if let path = checks.single(s, seen: &seen, Self.healthPath) { health.path = path }
            case "expect": set(\.expect, ValueParsers.statusRange)
            case "interval": set(\.interval, ValueParsers.positiveDuration)
            case "timeout": set(\.timeout, ValueParsers.positiveDuration)
            case "rise": set(\.rise) { text throws(ValueError) in try ValueParsers.integer(text, in: 1...100) }
            case "fall": set(\.fall) { text throws(ValueError) in try ValueParsers.integer(text, in: 1...100) }
            default: checks.sink.error(BlockKind.health.unknownDirectiveMessage(s.text), at: s.location)
            }
        }
        return health
    }

    private static func healthPath(_ text: String) throws(ValueError) -> String {
        guard text.hasPrefix("/"), !text.contains(where: { $0 == " " || $0 == "\t" }) else {
            throw ValueError(expected: "an HTTP path starting with '/'")
        }
        return text
    }

    /// A role needs somewhere to listen and something to forward to; `tls` listeners need a key pair.
    private mutating func checkRequiredParts(_ role: RoleConfig, wroteListen: Bool, wroteServer: Bool) {
        let label = role.name.isEmpty ? "role" : "role '\(role.name)'"
        if !wroteListen {
            checks.sink.error("\(label) has no 'listen' directive", at: role.location)
        }
        if !wroteServer {
            checks.sink.error("\(label) has no 'server' directive", at: role.location)
        }
        var missing: [String] = []
        if role.tlsCertificate == nil { missing.append("'tls-certificate'") }
        if role.tlsKey == nil { missing.append("'tls-key'") }
        guard !missing.isEmpty else { return }
        for listener in role.listeners where listener.tls {
            checks.sink.error(
                "'tls' listener \(listener.address) needs \(missing.joined(separator: " and ")) in \(label)",
                at: listener.location)
        }
    }
}
