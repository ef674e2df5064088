import Admin
import ArgumentParser
import Dispatch
import Logging
import Proxy
import ProxyConfig

/// `failover-proxy [run]`: the proxy in the foreground.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the proxy in the foreground.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try loadForRunning(options.config)
        let logger = Logger(label: "failover-proxy")
        let (server, stateFile, admin) = try startProxy(configuration, logger: logger)
        let notifier = SystemdNotifier()
        ProcessLifecycle(server: server, configPath: options.config, shutdownTimeout: configuration.shutdownTimeout,
                         logger: logger, notifier: notifier, started: configuration, onReload: {
                             stateFile?.updateConfiguration($0)
                             admin.reload($0.admin)
                         }, onExit: { stateFile?.flush() }).install()
        notifier?.ready(server)  // every listener is bound: startProxy returned
        dispatchMain()
    }
}

/// Loads the configuration for `run`/`demo`: diagnostics to stderr, exit 1 on errors.
func loadForRunning(_ path: String) throws -> ProxyConfiguration {
    LoggingSystem.bootstrap { LogfmtHandler(label: $0) }
    let loaded = ConfigLoader.load(path: path, preflight: true)
    for diagnostic in loaded.diagnostics { printError(diagnostic.description) }
    guard let configuration = loaded.configuration else { throw ExitCode(1) }
    return ConfigLoader.resolvingPaths(configuration, configPath: path)
}

/// Builds and starts the proxy, restoring the state file's runtime changes, and the admin
/// listener when the config has an `admin` block; a start-up failure is one clear line and exit 1.
func startProxy(_ configuration: ProxyConfiguration, logger: Logger) throws -> (ProxyServer, StateFile?, AdminReload) {
    do {
        DescriptorLimits.raise(logger: logger)  // before `max-connections auto` is derived from it
        // In a cluster the state lives in etcd (`check` warns about a state-file there).
        let stateFile = configuration.cluster != nil ? nil
            : configuration.stateFile.map { StateFile(path: $0, configuration: configuration, logger: logger) }
        let saved = try stateFile?.load()
        let server = try ProxyServer(configuration: saved?.effectiveConfiguration(configuration) ?? configuration,
                                     logger: logger, snapshots: saved?.snapshots ?? [:])
        stateFile?.attach(to: server)
        let admin = AdminReload(proxy: server, stateFile: stateFile, logger: logger)
        try admin.start(configuration.admin)
        try server.start()
        return (server, stateFile, admin)
    } catch {
        logger.critical("cannot start", metadata: ["error": .string("\(error)")])
        throw ExitCode(1)
    }
}
