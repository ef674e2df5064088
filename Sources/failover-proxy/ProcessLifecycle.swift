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

/// Signals for a running proxy: SIGTERM/SIGINT stop accepting, let in-flight work finish
/// for up to `shutdown-timeout`, then exit 0; SIGHUP reloads the configuration file (an
/// invalid one is rejected with its diagnostics and the running configuration stays);
/// SIGUSR1 reopens the access log. Sources are created inside this type (not in
/// top-level code, whose closures would be main-actor isolated) and live for the process.
final class ProcessLifecycle: @unchecked Sendable {  // touched only on `queue`
    private let queue = DispatchQueue(label: "failover-proxy.signals")
    private var sources: [DispatchSourceSignal] = []
    private var stopping = false
    private let server: ProxyServer
    private var shutdownTimeout: Duration
    private let configPath: String
    private let logger: Logger
    private let onReload: @Sendable (ProxyConfiguration) -> Void
    private let notifier: SystemdNotifier?
    /// The configuration the process started with: the settings only a restart changes.
    private let started: ProxyConfiguration?
    private let onExit: @Sendable () -> Void

    init(server: ProxyServer, configPath: String, shutdownTimeout: Duration, logger: Logger, notifier: SystemdNotifier? = nil,
         started: ProxyConfiguration? = nil, onReload: @escaping @Sendable (ProxyConfiguration) -> Void = { _ in }, onExit: @escaping @Sendable () -> Void = {}) {
        self.onReload = onReload
        self.server = server
        self.configPath = configPath
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        self.onExit = onExit
        self.notifier = notifier
        self.started = started
    }

    /// Installs the handlers; the caller then parks the main thread in `dispatchMain()`.
    func install() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)  // the dispatch source receives it instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [self] in stop(signal: sig) }
            source.resume()
            sources.append(source)
        }
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hup.setEventHandler { [self] in reload() }
        hup.resume()
        sources.append(hup)
        signal(SIGUSR1, SIG_IGN)
        let usr1 = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: queue)
        usr1.setEventHandler { [self] in reopenAccessLog() }
        usr1.resume()
        sources.append(usr1)
    }

    /// SIGUSR1, from logrotate's postrotate: the access log file is opened again by name.
    private func reopenAccessLog() {
        do {
            let target = try server.reopenAccessLog()
            logger.notice("access log reopened", metadata: ["target": .string(target?.description ?? "off")])
        } catch {
            logger.error("access log not reopened; writing to the old file", metadata: ["error": .string(error.description)])
        }
    }

    private func reload() {
        guard !stopping else { return }
        notifier?.reloading()
        defer { notifier?.reloaded() }  // rejected or not, the proxy is running again
        logger.notice("reloading", metadata: ["config": .string(configPath)])
        let loaded = ConfigLoader.load(path: configPath, preflight: true)
        for diagnostic in loaded.diagnostics {
            logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(diagnostic.description)")
        }
        guard let configuration = loaded.configuration.map({ ConfigLoader.resolvingPaths($0, configPath: configPath) }) else {
            logger.error("reload rejected: the configuration has errors; the running configuration stays")
            return
        }
        do {
            let changes = try server.reload(configuration)
            shutdownTimeout = configuration.shutdownTimeout
            onReload(configuration)
            logger.notice("reloaded", metadata: ["changes": .string(changes.isEmpty ? "none" : changes.joined(separator: "; "))])
            for name in started.map({ RestartOnlySettings.changed(from: $0, to: configuration) }) ?? [] {
                logger.warning("'\(name)' changed in the file: it needs a restart; running with the value it started with")
            }
        } catch {
            logger.error("reload rejected; the running configuration stays", metadata: ["error": .string("\(error)")])
        }
    }

    private func stop(signal sig: Int32) {
        guard !stopping else {
            logger.warning("second stop signal: exiting now")
            exit(0)
        }
        stopping = true
        notifier?.stopping()
        logger.notice("shutting down", metadata: [
            "signal": .string(sig == SIGTERM ? "SIGTERM" : "SIGINT"),
            "timeout": .string(shutdownTimeout.description),
        ])
        server.shutdown(timeout: shutdownTimeout) { [logger, onExit] in
            logger.notice("stopped")
            onExit()
            exit(0)
        }
    }
}
