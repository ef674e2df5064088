import Admin
import Logging
import Proxy
import ProxyConfig
import Synchronization

/// The admin listener across reloads: created with the first `admin` block (its metrics
/// observe the roles once, however often it moves), moved or given a new token by
/// `reload`, closed when the block goes away.
final class AdminReload: Sendable {
    private let proxy: ProxyServer
    private let stateFile: StateFile?
    private let logger: Logger
    private let server: Mutex<AdminServer?>
    private let listening = Mutex(false)

    init(proxy: ProxyServer, stateFile: StateFile?, logger: Logger) {
        self.proxy = proxy
        self.stateFile = stateFile
        self.logger = logger
        server = Mutex(nil)
    }

    /// Start-up: a failure here stops the process.
    func start(_ configuration: AdminConfig?) throws {
        guard let configuration else { return }
        let admin = try create(configuration)
        try admin.start()
        listening.withLock { $0 = true }
    }

    /// SIGHUP, after the roles were reloaded: a failure keeps the admin listener as it was.
    func reload(_ configuration: AdminConfig?) {
        do {
            let existing = server.withLock { $0 }
            switch (existing, configuration) {
            case (nil, nil):
                return
            case (let admin?, nil):
                guard listening.withLock({ $0 }) else { return }
                admin.stop()
                listening.withLock { $0 = false }
                logger.notice("admin listener closed: no 'admin' block")
            case (nil, let config?):
                try start(config)
            case (let admin?, let config?):
                try admin.reload(config)
                listening.withLock { $0 = true }
            }
        } catch {
            logger.error("admin not reloaded; it stays as it was", metadata: ["error": .string("\(error)")])
        }
    }

    private func create(_ configuration: AdminConfig) throws -> AdminServer {
        let metrics = AdminMetrics()
        metrics.bootstrapMetricsSystem()  // swift-metrics from any module lands in /metrics; once per process
        let admin = try AdminServer(configuration: configuration, proxy: proxy, stateFile: stateFile, metrics: metrics, logger: logger)
        server.withLock { $0 = admin }
        return admin
    }
}
