import Cluster
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import EventLoop
import FailoverModel
import Logging
import ProxyConfig
import Synchronization

/// The whole proxy for one configuration: event loops, one controller per role, and the
/// listeners that hand accepted clients to the role's plane on the accepting loop.
public final class ProxyServer: @unchecked Sendable {  // roles, listeners and loops guarded by `lock`; reloads serialized by `reloadLock`
    /// The event loops new connections go to; a `workers` reload replaces them.
    public var group: EventLoopGroup { lock.withLock { loopGroup } }
    var loopGroup: EventLoopGroup
    /// `workers` as the file last said it: a reload changes the loops only when it changes
    /// (a test's own group, or `auto` on a machine whose CPUs changed, stays as it is).
    var workers: WorkerCount
    let lock = NSLockish()
    let reloadLock = NSLockish()
    var roles: [RoleController]
    var listeners: [String: [BoundListener]] = [:]
    /// Cluster mode, stale with `on-store-loss stop`: the addresses of the closed role
    /// listeners, reopened as they were (the same ports, even where the config said 0).
    var suspendedAddresses: [String: [SocketAddress]] = [:]
    let logger: Logger
    /// Always there (off without `access-log`), so a reload can turn it on.
    let accessLog: AccessLog
    /// Cluster mode: this member's link to the store; nil for a single instance.
    let cluster: ClusterController?
    /// Open client connections of every role together (`max-connections`).
    public let connectionLimit: ConnectionLimit

    /// The controllers of the current configuration, in file order.
    var controllers: [RoleController] { lock.withLock { roles } }

    /// `store`: the cluster's coordination store, calling back on `clusterQueue` (tests); by
    /// default etcd, as the `cluster` block says.
    public init(configuration: ProxyConfiguration, logger: Logger, group: EventLoopGroup? = nil,
                snapshots: [String: RoleSnapshot] = [:], store: (any CoordinationStore)? = nil,
                clusterQueue: DispatchQueue? = nil) throws {
        self.logger = logger
        let group = group ?? EventLoopGroup(workers: configuration.workers.eventLoopWorkers)
        loopGroup = group
        workers = configuration.workers
        accessLog = try AccessLog(target: configuration.accessLog)
        connectionLimit = ConnectionLimit(limit: Self.connectionCap(configuration, loops: group.loops.count))
        cluster = try configuration.cluster.map { config in
            let queue = clusterQueue ?? DispatchQueue(label: "failover-proxy.cluster")
            // The first loop: a `workers` reload never retires it.
            let store = try store ?? ClusterStoreFactory.etcd(config, loop: group.loops[0], callbackQueue: queue)
            return ClusterController(config: config, store: store, queue: queue, logger: logger)
        }
        roles = try configuration.roles.map { [accessLog, cluster, connectionLimit] role in
            try RoleController(config: role, group: group, logger: logger, accessLog: accessLog,
                               restoring: cluster == nil ? snapshots[role.name] : nil, cluster: cluster,
                               globalLimit: connectionLimit)
        }
        cluster?.serve(roles)
        cluster?.onServingChange = { [weak self] serving in self?.setRoleListeners(serving: serving) }
    }

    /// Binds every listener, then starts health checks. Throws when an address cannot be bound.
    public func start() throws {
        var bound: [String: [BoundListener]] = [:]
        do {
            for controller in controllers {
                bound[controller.name] = try bind(controller.latestConfig.listeners, for: controller)
            }
        } catch {
            for listener in bound.values.flatMap({ $0 }) { listener.listener.close() }
            throw error
        }
        lock.withLock { listeners = bound }
        logger.info("connection limit", metadata: [
            "max-connections": .stringConvertible(connectionLimit.currentLimit ?? 0),
            "descriptors": .stringConvertible(DescriptorLimit.current().soft),
        ])
        for controller in controllers {
            logListening(controller, bound[controller.name] ?? [])
            controller.start()
        }
        cluster?.start()
    }

    /// Binds `listeners` for a role; all or nothing.
    func bind(_ listeners: [ListenerConfig], for controller: RoleController, on group: EventLoopGroup? = nil) throws(ProxyError) -> [BoundListener] {
        let group = group ?? self.group
        var bound: [BoundListener] = []
        for config in listeners {
            let endpoint = config.address
            let tls = ListenerTLS(config.tls)
            do {
                let address = try AddressResolution.resolve(endpoint, what: "listen")
                let role = controller.name
                let roleLogger = controller.logger
                let listener = try Listener(address: address, group: group, limit: controller.connectionLimit,
                                            onAcceptError: { [logger] error in
                    if error.isLocalResourceShortage {
                        LocalShortage.shared.report(error, place: "accept", role: role, logger: roleLogger)
                    } else {
                        logger.warning("accept failed; backing off", metadata: ["error": .string(error.description)])
                    }
                }) { [controller] socket, peer, loop, slot in
                    controller.plane(for: loop).accept(socket, peer: peer, tls: tls.isOn, slot: slot)
                }
                bound.append(BoundListener(endpoint: endpoint, listener: listener, tls: tls))
            } catch {
                for b in bound { b.listener.close() }
                if let error = error as? ProxyError { throw error }
                throw ProxyError.cannotListen(endpoint.description, "\(error)")
            }
        }
        return bound
    }

    func logListening(_ controller: RoleController, _ bound: [BoundListener]) {
        logger.info("listening", metadata: [
            "role": .string(controller.name), "mode": .string(controller.latestConfig.mode.rawValue),
            "addresses": .string(bound.map(\.listener.address.description).joined(separator: ",")),
        ])
    }

    /// `max-connections`: the written number, or for `auto` what fits in the descriptor limit now.
    static func connectionCap(_ configuration: ProxyConfiguration, loops: Int) -> Int {
        switch configuration.maxConnections {
        case .count(let n): return n
        case .auto:
            return DescriptorBudget.maxConnections(descriptorLimit: DescriptorLimit.current().soft, configuration, loops: loops)
        }
    }

    /// The bound addresses of a role's listeners (the real ports when the config said 0).
    public func boundAddresses(role: String) -> [SocketAddress] {
        lock.withLock {
            let open = listeners[role]?.map(\.listener.address) ?? []
            return open.isEmpty ? suspendedAddresses[role] ?? [] : open
        }
    }

    /// Stops accepting, lets open sessions finish for up to `timeout`, then closes what is
    /// left; `done` runs once everything is closed.
    public func shutdown(timeout: Duration, _ done: @escaping @Sendable () -> Void) {
        for bound in lock.withLock({ listeners.values.flatMap({ $0 }) }) { bound.listener.close() }
        cluster?.stop()
        for controller in controllers { controller.stop() }
        let planes = controllers.flatMap(\.planes)
        for plane in planes { plane.loop.execute { plane.beginShutdown() } }
        let deadline = SystemClock().now + timeout
        ShutdownWaiter(planes: planes, deadline: deadline, done: done).poll()
    }

    /// Open sessions per role and server, gathered from every loop.
    public func sessionCounts(_ done: @escaping @Sendable ([String: [String: Int]]) -> Void) {
        // One read of the planes: a retired loop's plane may be let go meanwhile.
        let planes = controllers.map { ($0.name, $0.planes) }
        let collector = SessionCountCollector(expected: planes.reduce(0) { $0 + $1.1.count }, done: done)
        for (role, rolePlanes) in planes {
            for plane in rolePlanes {
                plane.loop.execute { collector.add(role: role, plane.sessionCounts) }
            }
        }
    }

    /// Clients a role holds now, on all its loops (bounded by `hold-queue`).
    public func heldClients(role: String) -> Int {
        controllers.first { $0.name == role }?.heldClients.current ?? 0
    }

    /// The active server of each role (nil while none), read on the role's queue.
    public func activeServers() -> [String: String?] {
        var result: [String: String?] = [:]
        for controller in controllers {
            result[controller.name] = controller.queue.sync { controller.cluster == nil ? controller.model.active : controller.clusterActive }
        }
        return result
    }
}

/// A listener and the configured address it serves.
struct BoundListener {
    let endpoint: Endpoint
    let listener: Listener
    /// Whether new clients on it speak TLS: a reload may flip it on the same socket.
    let tls: ListenerTLS
}

/// A listener's `tls` flag, read on every accept and flipped by a reload.
final class ListenerTLS: Sendable {
    private let on: Atomic<Bool>
    init(_ on: Bool) { self.on = Atomic(on) }
    var isOn: Bool { on.load(ordering: .relaxed) }
    func set(_ value: Bool) { on.store(value, ordering: .relaxed) }
}

extension RolePlane {
    /// A client accepted on this loop; on a `tls` listener the handshake comes first.
    /// `slot`: its place under `max-connections`, released when the client's connection closes.
    func accept(_ socket: Socket, peer: SocketAddress, tls: Bool, slot: ConnectionSlot?) {
        guard tls else { return startSession(socket, peer: peer, secure: false, slot: slot) }
        acceptTLS(socket, peer: peer, slot: slot)
    }

    /// A client whose stream carries application data now.
    func startSession(_ stream: any ByteStream, peer: SocketAddress, secure: Bool, slot: ConnectionSlot?) {
        switch config.mode {
        case .tcp: TCPSession(client: stream, peer: peer, plane: self, slot: slot).start()
        case .http: acceptHTTP(stream, peer: peer, secure: secure, slot: slot)
        }
    }
}

extension WorkerCount {
    var eventLoopWorkers: Workers {
        switch self {
        case .auto: return .auto
        case .count(let n): return .count(n)
        }
    }
}

/// Polls the planes until no session is open or the deadline passes, then force-closes.
private final class ShutdownWaiter: Sendable {  // immutable; polls on `queue`
    private let planes: [RolePlane]
    private let deadline: MonotonicInstant
    private let done: @Sendable () -> Void
    private let queue = DispatchQueue(label: "failover-proxy.shutdown")

    init(planes: [RolePlane], deadline: MonotonicInstant, done: @escaping @Sendable () -> Void) {
        self.planes = planes
        self.deadline = deadline
        self.done = done
    }

    func poll() {
        queue.async { [self] in
            let open = planes.reduce(0) { total, plane in total + plane.loop.queue.sync { plane.openSessions } }
            if open == 0 { return done() }
            if SystemClock().now >= deadline {
                for plane in planes { plane.loop.queue.sync { plane.closeAllSessions() } }
                queue.asyncAfter(deadline: .now() + .milliseconds(50)) { [done] in done() }
                return
            }
            queue.asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in poll() }
        }
    }
}

private final class SessionCountCollector: Sendable {
    private let state: Mutex<(remaining: Int, counts: [String: [String: Int]])>
    private let done: @Sendable ([String: [String: Int]]) -> Void

    init(expected: Int, done: @escaping @Sendable ([String: [String: Int]]) -> Void) {
        state = Mutex((expected, [:]))
        self.done = done
        if expected == 0 { done([:]) }
    }

    /// The last of the expected calls calls `done`, after the lock is given back.
    func add(role: String, _ planeCounts: [String: Int]) {
        let complete = state.withLock { s -> [String: [String: Int]]? in
            for (server, n) in planeCounts { s.counts[role, default: [:]][server, default: 0] += n }
            s.remaining -= 1
            return s.remaining == 0 ? s.counts : nil
        }
        if let complete { done(complete) }
    }
}
