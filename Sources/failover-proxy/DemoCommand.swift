import ArgumentParser
import DemoBackends
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging
import Proxy
import ProxyConfig

/// `failover-proxy demo`: the proxy plus a demo server on every server address of the
/// configuration (loopback only), and a small console to fail and restore them.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the proxy with built-in demo servers on loopback.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try loadForRunning(options.config)
        let logger = Logger(label: "failover-proxy")
        let backends = try DemoBackendSet(configuration: configuration)
        let (server, stateFile, admin) = try startProxy(configuration, logger: logger)
        ProcessLifecycle(server: server, configPath: options.config, shutdownTimeout: configuration.shutdownTimeout, logger: logger,
                         started: configuration, onReload: { stateFile?.updateConfiguration($0); admin.reload($0.admin) },
                         onExit: { stateFile?.flush(); backends.stopAll() }).install()
        printError(DemoConsole.banner(configuration))
        DemoConsole(backends: backends, server: server).start()
        dispatchMain()
    }
}

/// One demo server per configured server, keyed `role/server`.
final class DemoBackendSet: Sendable {
    let servers: [String: DemoServer]
    let order: [String]

    init(configuration: ProxyConfiguration) throws {
        var servers: [String: DemoServer] = [:]
        var order: [String] = []
        for role in configuration.roles {
            for server in role.servers {
                guard server.address.isLoopback else {
                    throw ValidationError("demo serves loopback addresses only; server '\(server.name)' of role '\(role.name)' is \(server.address)")
                }
                let key = "\(role.name)/\(server.name)"
                let demo = DemoServer(name: server.name, kind: role.mode == .http ? .http : .tcp,
                                      host: server.address.host == "localhost" ? "127.0.0.1" : server.address.host,
                                      port: server.address.port)
                do {
                    try demo.start()
                } catch {
                    for started in servers.values { started.stop() }
                    throw ValidationError("cannot start the demo server for \(key) on \(server.address): \(error)")
                }
                servers[key] = demo
                order.append(key)
            }
        }
        self.servers = servers
        self.order = order
    }

    func stopAll() { for server in servers.values { server.stop() } }
}

/// Reads commands from standard input: `fail`, `recover`, `stop`, `start`, `status`.
final class DemoConsole: @unchecked Sendable {  // runs on its own thread
    private let backends: DemoBackendSet
    private let server: ProxyServer

    init(backends: DemoBackendSet, server: ProxyServer) {
        self.backends = backends
        self.server = server
    }

    static func banner(_ configuration: ProxyConfiguration) -> String {
        var lines = ["", "failover-proxy demo: every server below is a demo server on this machine"]
        for role in configuration.roles {
            let listen = role.listeners.map(\.address.description).joined(separator: ", ")
            let servers = role.servers.map { "\($0.name) \($0.address)" }.joined(separator: ", ")
            lines.append("  role \(role.name) (\(role.mode.rawValue)) on \(listen) -> \(servers)")
        }
        if let http = configuration.roles.first(where: { $0.mode == .http }), let listen = http.listeners.first {
            lines.append("try:  curl http://\(listen.address)/")
        }
        if let tcp = configuration.roles.first(where: { $0.mode == .tcp }), let listen = tcp.listeners.first {
            lines.append("      exec 3<>/dev/tcp/\(listen.address.host)/\(listen.address.port); echo hello >&3; head -2 <&3")
        }
        lines.append("type a command and Enter:")
        lines.append("  fail ROLE SERVER     health checks fail (http: /health answers 503; tcp: stops the server)")
        lines.append("  recover ROLE SERVER  health checks pass again")
        lines.append("  stop ROLE SERVER     the server crashes: connections refused, open ones reset")
        lines.append("  start ROLE SERVER    the server comes back")
        lines.append("  status               which server hosts each role")
        return lines.joined(separator: "\n") + "\n"
    }

    func start() {
        DetachedThread.start { [self] in
            while let line = readLine() { printError(handle(line)) }
        }
    }

    func handle(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { return "" }
        if command == "status" {
            return server.activeServers().sorted { $0.key < $1.key }
                .map { "role \($0.key): active \($0.value ?? "none")" }.joined(separator: "\n")
        }
        guard words.count == 3, let demo = backends.servers["\(words[1])/\(words[2])"] else {
            return "usage: fail|recover|stop|start ROLE SERVER, or status (servers: \(backends.order.joined(separator: ", ")))"
        }
        switch command {
        case "fail":
            if demo.kind == .http { demo.healthy = false } else { demo.stop() }
            return "\(words[1])/\(words[2]) now fails its health checks"
        case "recover":
            demo.healthy = true
            if !demo.isRunning { try? demo.start() }
            return "\(words[1])/\(words[2]) passes its health checks again"
        case "stop":
            demo.stop()
            return "\(words[1])/\(words[2]) stopped"
        case "start":
            do { try demo.start(); return "\(words[1])/\(words[2]) started" } catch { return "cannot start: \(error)" }
        default:
            return "unknown command '\(command)'"
        }
    }
}
