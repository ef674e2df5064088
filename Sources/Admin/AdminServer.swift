import EventLoop
import Logging
import Proxy
import ProxyConfig
import Synchronization

/// The admin listener (`admin { listen …; token-file …; }`): status page, JSON API,
/// `/events` and `/metrics`, served on the proxy's own event loops with HTTP1's parser.
///
/// Create it after the `ProxyServer` (it observes the roles from then on), `start()` it,
/// and `stop()` it at shutdown; while it runs, its listener keeps it alive. `reload(_:)`
/// moves it to a new address and reads the token file again (SIGHUP).
public final class AdminServer: Sendable {
    private let current: Mutex<AdminConfig>
    public var configuration: AdminConfig { current.withLock { $0 } }
    public let metrics: AdminMetrics
    let router: AdminRouter
    /// The proxy's loops are read at each bind: a `workers` reload may have replaced them.
    private let proxy: ProxyServer
    private let logger: Logger
    private let listener: ListenerBox

    /// Reads the token file now (trimmed); throws when it cannot be read or is empty.
    public init(configuration: AdminConfig, proxy: ProxyServer, stateFile: StateFile? = nil,
                metrics: AdminMetrics = AdminMetrics(), logger: Logger,
                eventHistory: Int = 1000, eventStreamBacklog: Int = 256 * 1024) throws {
        current = Mutex(configuration)
        self.metrics = metrics
        self.proxy = proxy
        var logger = logger
        logger[metadataKey: "component"] = "admin"
        self.logger = logger
        let token = try Self.token(configuration)
        let hub = EventHub(historyLimit: eventHistory, idsFromStore: proxy.isClustered)
        router = AdminRouter(proxy: proxy, hub: hub, metrics: metrics, token: token, stateFile: stateFile, logger: logger,
                             streamBacklog: eventStreamBacklog)
        listener = ListenerBox()
        proxy.observeEvents { events, _, revision in hub.publish(events, revision: revision) }
        metrics.attach(to: proxy)
    }

    /// Binds `listen` (port 0 picks a free one, see `address`) and starts serving.
    public func start() throws {
        let config = configuration
        listener.set(try bind(config.listen), owner: self)
        logListening(config)
    }

    /// A new `admin` block (SIGHUP): reads the token file, binds a new address when it
    /// changed (or when stopped), and only then closes the old listener. On an error
    /// nothing changes. Open connections and event streams stay on the old listener's
    /// loops until their clients go away. After a `workers` reload the listener accepts on
    /// the proxy's new loops (and no longer on retired ones).
    public func reload(_ new: AdminConfig) throws {
        let token = try Self.token(new)
        let old = configuration
        if listener.get() == nil || new.listen != old.listen {
            let bound = try bind(new.listen)
            let previous = listener.take()
            listener.set(bound, owner: self)
            previous?.close(nil)
        } else if let bound = listener.get() {
            let loops = proxy.group.loops
            do {
                try bound.prepareSpread(over: loops).apply {}
            } catch {
                throw AdminError("cannot listen on \(new.listen) on the new loops: \(error.description)")
            }
        }
        router.setToken(token)
        current.withLock { $0 = new }
        if new != old { logListening(new) }
    }

    private static func token(_ configuration: AdminConfig) throws -> BearerToken? {
        do {
            return try configuration.tokenFile.map { try BearerToken.load(path: $0) }
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError("cannot read token-file '\(configuration.tokenFile ?? "")': \(error)")
        }
    }

    private func bind(_ endpoint: Endpoint) throws -> Listener {
        let address: SocketAddress
        if let numeric = SocketAddress(host: endpoint.host, port: endpoint.port) {
            address = numeric
        } else if let resolved = SocketAddress.resolve(host: endpoint.host, port: endpoint.port).first(where: { !$0.isIPv6 })
                    ?? SocketAddress.resolve(host: endpoint.host, port: endpoint.port).first {
            address = resolved
        } else {
            throw AdminError("cannot resolve admin listen host '\(endpoint.host)'")
        }
        do {
            return try Listener(address: address, group: proxy.group, onAcceptError: { [logger] error in
                logger.warning("admin accept failed; backing off", metadata: ["error": .string(error.description)])
            }) { [router] socket, _, loop in
                AdminConnection(socket: socket, loop: loop, router: router).start()
            }
        } catch {
            throw AdminError("cannot listen on \(endpoint): \(error.description)")
        }
    }

    private func logListening(_ config: AdminConfig) {
        logger.info("admin listening", metadata: [
            "address": .string(address?.description ?? config.listen.description),
            "token": .string(config.tokenFile == nil ? "none" : "required for changes"),
        ])
    }

    /// The bound address (the real port when `listen` said 0); nil before `start()`.
    public var address: SocketAddress? { listener.get()?.address }

    /// Stops accepting. Open event streams end when their clients go away.
    public func stop(_ done: (@Sendable () -> Void)? = nil) {
        guard let bound = listener.take() else { done?(); return }
        bound.close(done)
    }

    /// Subscribers of `/events` now (for tests and diagnostics).
    public var eventSubscriberCount: Int { router.hub.subscriberCount }
}

/// The listener, set by `start()` and taken by `stop()`; it also holds the server itself
/// while it runs (a deliberate cycle, broken by `stop()`), so callers need not keep it.
final class ListenerBox: Sendable {
    private let value = Mutex<(listener: Listener, owner: AnyObject & Sendable)?>(nil)
    func set(_ listener: Listener, owner: AnyObject & Sendable) { value.withLock { $0 = (listener, owner) } }
    func get() -> Listener? { value.withLock { $0?.listener } }
    func take() -> Listener? { value.withLock { let l = $0?.listener; $0 = nil; return l } }
}
