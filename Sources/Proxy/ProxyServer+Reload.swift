import EventLoop
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import ProxyConfig

extension ProxyServer {
    /// Applies a new configuration without dropping established sessions (SIGHUP).
    ///
    /// Everything that can fail (resolving addresses, binding new listeners) happens first;
    /// on failure nothing changes and the error says why. Then: new roles start, removed roles
    /// stop accepting and checking (their open sessions run to their end), changed roles are
    /// reconfigured in place (health of unchanged servers kept), listeners added and removed.
    /// A new `access-log` target takes over at once; a new `workers` count adds or retires
    /// loops (`ProxyServer+Workers`). `admin` is the caller's; `state-file` and `cluster` need a restart.
    public func reload(_ configuration: ProxyConfiguration) throws(ProxyError) -> [String] {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let current = Dictionary(uniqueKeysWithValues: controllers.map { ($0.name, $0) })
        let currentListeners = lock.withLock { listeners }

        // 1. Prepare: may fail, changes nothing visible.
        var prepared: [(RoleConfig, RoleController, targets: [String: ServerTarget], added: [BoundListener])] = []
        var summary: [String] = []
        var newTLS: [String: RoleTLS] = [:]
        // A new access log target is opened first: one that cannot be opened rejects the reload.
        let newAccessLog = configuration.accessLog == accessLog.target ? nil : try accessLog.prepare(configuration.accessLog)
        var loopChange = loopChange(to: configuration.workers)
        let targetGroup = loopChange?.group ?? group
        do {
            for role in configuration.roles {
                var targets: [String: ServerTarget] = [:]
                for server in role.servers { targets[server.name] = try AddressResolution.target(for: server) }
                let controller: RoleController
                if let existing = current[role.name] {
                    controller = existing
                    // Certificates that do not load keep the old ones: a bad file must not stop TLS.
                    let old = existing.queue.sync { existing.tls }
                    do {
                        let tls = try old.reloaded(for: role)
                        if tls !== old {
                            newTLS[role.name] = tls
                            summary.append("role \(role.name): TLS certificates reloaded")
                        }
                    } catch {
                        logger.error("TLS not reloaded; keeping the previous certificates", metadata: ["role": .string(role.name), "error": .string(error.description)])
                        summary.append("role \(role.name): TLS not reloaded (\(error.description)); keeping the previous certificates")
                    }
                } else {
                    controller = try wrap {
                        try RoleController(config: role, group: targetGroup, logger: logger, accessLog: accessLog, cluster: cluster,
                                           globalLimit: connectionLimit)
                    }
                }
                let have = Set((currentListeners[role.name] ?? []).map { $0.endpoint })
                let wanted = role.listeners.filter { !have.contains($0.address) }
                let added = try bind(wanted, for: controller, on: targetGroup)
                prepared.append((role, controller, targets, added))
                if loopChange != nil {
                    for bound in currentListeners[role.name] ?? [] where role.listeners.contains(where: { $0.address == bound.endpoint }) {
                        try spread(bound.listener, for: &loopChange!)
                    }
                }
            }
        } catch {
            for p in prepared { for b in p.added { b.listener.close() } }
            loopChange?.discard()
            throw error
        }

        // 2. Commit.
        if let loopChange {
            summary.append(commit(loopChange, kept: prepared.map(\.1).filter { current[$0.name] === $0 }))
        }
        if let newAccessLog {
            accessLog.apply(newAccessLog)
            summary.append("access-log: \(configuration.accessLog.map(\.description) ?? "off")")
        }
        var newListeners: [String: [BoundListener]] = [:]
        for (role, controller, targets, added) in prepared {
            let wanted = Set(role.listeners.map(\.address))
            let kept = (currentListeners[role.name] ?? []).filter { wanted.contains($0.endpoint) }
            for gone in (currentListeners[role.name] ?? []) where !wanted.contains(gone.endpoint) {
                gone.listener.close()
                summary.append("role \(role.name): stopped listening on \(gone.endpoint)")
            }
            newListeners[role.name] = kept + added
            controller.connectionLimit.setLimit(role.maxConnections)
            if let old = current[role.name] {
                // Same address, `tls` flipped: the socket stays, new clients speak as the file
                // says (to TLS only once every loop has the certificate).
                var flips: [(ListenerTLS, Bool)] = []
                for bound in kept {
                    guard let tls = role.listeners.first(where: { $0.address == bound.endpoint })?.tls, tls != bound.tls.isOn else { continue }
                    flips.append((bound.tls, tls))
                    summary.append("role \(role.name): \(bound.endpoint) \(tls ? "now speaks TLS" : "now plain")")
                }
                let flip: @Sendable () -> Void = { [flips] in for (listener, tls) in flips { listener.set(tls) } }
                if let tls = newTLS[role.name] { controller.updateTLS(tls, applied: flip) } else { flip() }
                if old.latestConfig.withoutLocations != role.withoutLocations {
                    controller.reconfigure(to: role, targets: targets)
                    summary.append("role \(role.name): reconfigured")
                }
            } else {
                controller.start()
                summary.append("role \(role.name): added")
            }
            if !added.isEmpty { logListening(controller, added) }
        }
        let kept = Set(configuration.roles.map(\.name))
        for (name, controller) in current where !kept.contains(name) {
            for bound in currentListeners[name] ?? [] { bound.listener.close() }
            controller.stop()
            summary.append("role \(name): removed (open sessions run to their end)")
        }
        lock.withLock {
            roles = prepared.map(\.1)
            listeners = newListeners
            workers = configuration.workers
        }
        let cap = Self.connectionCap(configuration, loops: targetGroup.loops.count)
        if cap != connectionLimit.currentLimit {
            connectionLimit.setLimit(cap)
            summary.append("max-connections: \(cap)")
        }
        cluster?.serve(prepared.map(\.1))
        return summary
    }

    /// SIGUSR1: opens the access log file again (logrotate moved it away); nothing without a file.
    public func reopenAccessLog() throws(ProxyError) -> AccessLogTarget? {
        try accessLog.reopen()
        return accessLog.target
    }

    private func wrap<T>(_ body: () throws -> T) throws(ProxyError) -> T {
        do { return try body() } catch let error as ProxyError { throw error } catch { throw ProxyError(description: "\(error)") }
    }
}

extension RoleConfig {
    /// The settings alone: two configurations that differ only in layout compare equal.
    var withoutLocations: RoleConfig {
        var copy = self
        let origin = SourceLocation(line: 0, column: 0)
        copy.location = origin
        copy.databaseLocation = databaseLocation.map { _ in origin }
        copy.maxConnectionsLocation = maxConnectionsLocation.map { _ in origin }
        copy.listeners = listeners.map { var l = $0; l.location = origin; return l }
        copy.servers = servers.map { var s = $0; s.location = origin; return s }
        return copy
    }
}

extension AccessLogTarget {
    /// `stderr` or the file's path, for log lines.
    public var description: String {
        switch self {
        case .stderr: "stderr"
        case .file(let path): path
        }
    }
}
