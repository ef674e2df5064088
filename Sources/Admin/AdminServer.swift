import EventLoop
import Logging
import Proxy
import ProxyConfig

/// The admin listener (`admin { listen …; token-file …; }`): status page, JSON API,
/// `/events` and `/metrics`, served on the proxy's own event loops with HTTP1's parser.
///
/// Create it after the `ProxyServer` (it observes the roles from then on), `start()` it,
/// and `stop()` it at shutdown; while it runs, its listener keeps it alive.
public final class AdminServer: Sendable {
    public let configuration: AdminConfig
    public let metrics: AdminMetrics
    let router: AdminRouter
    private let group: EventLoopGroup
    private let logger: Logger
    private let listener: ListenerBox

    /// Reads the token file now (trimmed); throws when it cannot be read or is empty.
    public init(configuration: AdminConfig, proxy: ProxyServer, stateFile: StateFile? = nil,
                metrics: AdminMetrics = AdminMetrics(), logger: Logger,
                eventHistory: Int = 1000, eventStreamBacklog: Int = 256 * 1024) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.group = proxy.group
        var logger = logger
        logger[metadataKey: "component"] = "admin"
        self.logger = logger
        let token: BearerToken?
        do {
            token = try configuration.tokenFile.map { try BearerToken.load(path: $0) }
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError("cannot read token-file '\(configuration.tokenFile ?? "")': \(error.localizedDescription)")
        }
        let hub = EventHub(historyLimit: eventHistory, idsFromStore: proxy.isClustered)
        router = AdminRouter(proxy: proxy, hub: hub, metrics: metrics, token: token, stateFile: stateFile, logger: logger,
                             streamBacklog: eventStreamBacklog)
        listener = ListenerBox()
        proxy.observeEvents { events, _, revision in hub.publish(events, revision: revision) }
        metrics.attach(to: proxy)
    }

    /// Binds `listen` (port 0 picks a free one, see `address`) and starts serving.
    public func start() throws {
        let endpoint = configuration.listen
        let address: SocketAddress
        if let numeric = SocketAddress(host: endpoint.host, port: endpoint.port) {
            address = numeric
        } else if let resolved = SocketAddress.resolve(host: endpoint.host, port: endpoint.port).first(where: { !$0.isIPv6 })
                    ?? SocketAddress.resolve(host: endpoint.host, port: endpoint.port).first {
            address = resolved
        } else {
            throw AdminError("cannot resolve admin listen host '\(endpoint.host)'")
        }
        let bound: Listener
        do {
            bound = try Listener(address: address, group: group, onAcceptError: { [logger] error in
                logger.warning("admin accept failed; backing off", metadata: ["error": .string(error.description)])
            }) { [router] socket, _, loop in
                AdminConnection(socket: socket, loop: loop, router: router).start()
            }
        } catch {
            throw AdminError("cannot listen on \(endpoint): \(error.description)")
        }
        listener.set(bound, owner: self)
        logger.info("admin listening", metadata: [
            "address": .string(bound.address.description),
            "token": .string(configuration.tokenFile == nil ? "none" : "required for changes"),
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

import Synchronization

/// The listener, set by `start()` and taken by `stop()`; it also holds the server itself
/// while it runs (a deliberate cycle, broken by `stop()`), so callers need not keep it.
final class ListenerBox: Sendable {
    private let value = Mutex<(listener: Listener, owner: AnyObject & Sendable)?>(nil)
    func set(_ listener: Listener, owner: AnyObject & Sendable) { value.withLock { $0 = (listener, owner) } }
    func get() -> Listener? { value.withLock { $0?.listener } }
    func take() -> Listener? { value.withLock { let l = $0?.listener; $0 = nil; return l } }
}
