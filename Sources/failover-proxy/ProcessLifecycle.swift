import Dispatch
import Foundation
import Logging
import Proxy

/// Signals for a running proxy: SIGTERM/SIGINT stop accepting, let in-flight work finish
/// for up to `shutdown-timeout`, then exit 0. Sources are created inside this type (not in
/// top-level code, whose closures would be main-actor isolated) and live for the process.
final class ProcessLifecycle: @unchecked Sendable {  // touched only on `queue`
    private let queue = DispatchQueue(label: "failover-proxy.signals")
    private var sources: [DispatchSourceSignal] = []
    private var stopping = false
    private let server: ProxyServer
    private let shutdownTimeout: Duration
    private let logger: Logger
    private let onExit: @Sendable () -> Void

    init(server: ProxyServer, shutdownTimeout: Duration, logger: Logger, onExit: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        self.onExit = onExit
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
        hup.setEventHandler { [logger] in
            logger.warning("SIGHUP: configuration reload is not implemented yet; the running configuration stays")
        }
        hup.resume()
        sources.append(hup)
    }

    private func stop(signal sig: Int32) {
        guard !stopping else {
            logger.warning("second stop signal: exiting now")
            exit(0)
        }
        stopping = true
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
