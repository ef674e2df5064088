import Cluster
import Dispatch
import FailoverModel
import ProxyConfig

/// Why an operation was refused. Nothing changed.
public enum OperationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRole(String)
    /// The model refused it (unknown server, not up, last server…).
    case refused(ModelError)
    /// An added server's address is not `host:port`.
    case invalidAddress(String)
    /// An added server's host does not resolve.
    case unresolvable(String)
    /// Cluster mode: the leader refused it, for this reason.
    case remote(OperationResult.Category, String)
    /// Cluster mode: the change could not be handed to the leader (stale member, no leader).
    case clusterUnavailable(String)

    public var description: String {
        switch self {
        case .unknownRole(let role): "unknown role '\(role)'"
        case .refused(let error): error.description
        case .invalidAddress(let address): "invalid address '\(address)': expected host:port"
        case .unresolvable(let why): why
        case .remote(_, let why): why
        case .clusterUnavailable(let why): why
        }
    }
}

/// Turns an added server's `host:port` into its endpoint and socket addresses. May block on
/// DNS: called on `RoleController.resolution`, never on a role's queue or a loop.
typealias ServerResolver = @Sendable (_ name: String, _ address: String) throws(OperationError)
    -> (address: Endpoint, target: ServerTarget)

extension RoleController {
    /// Where added servers' names are resolved: many at once, none on a role's queue.
    static let resolution = DispatchQueue(label: "failover-proxy.resolve", attributes: .concurrent)

    /// Carries out `operation`; `done` runs on `queue` right after the change (or the refusal).
    /// Adding a server resolves its address on `resolution` first: the role keeps deciding
    /// meanwhile, and the change is made once the name resolved (or refused if it did not).
    func perform(_ operation: RoleOperation, then done: @escaping @Sendable (Result<[ModelEvent], OperationError>) -> Void) {
        queue.async { [self] in
            guard case .addServer(let name, let address) = operation else {
                return done(Result { () throws(OperationError) in try perform(operation, resolved: nil) })
            }
            if model.index(of: name) != nil { return done(.failure(.refused(.duplicateServer(name)))) }
            let resolve = resolver
            Self.resolution.async { [self] in
                let resolved = Result { () throws(OperationError) in try resolve(name, address) }
                queue.async { [self] in
                    done(resolved.flatMap { found in Result { () throws(OperationError) in try perform(operation, resolved: found) } })
                }
            }
        }
    }

    /// Carries out `operation` on the model, then its events (routes, logs, observers).
    /// Runs on `queue`; an added server comes with its address `resolved` (and starts its
    /// health checks); removing one stops them.
    private func perform(_ operation: RoleOperation, resolved: (address: Endpoint, target: ServerTarget)?)
        throws(OperationError) -> [ModelEvent]
    {
        dispatchPrecondition(condition: .onQueue(queue))
        if case .addServer(let name, _) = operation, model.index(of: name) != nil { throw .refused(.duplicateServer(name)) }
        let now = WallClock.now()
        let events: [ModelEvent]
        do throws(ModelError) {
            switch operation {
            case .setMaintenance(let server, let enabled):
                events = try model.setMaintenance(server: server, enabled: enabled, at: now)
            case .move(let server, let position):
                events = try model.move(server: server, to: position, at: now)
            case .setFailback(let enabled):
                events = model.setFailback(enabled, at: now)
            case .activate(let server):
                events = try model.activate(server: server, at: now)
            case .removeServer(let name):
                events = try model.removeServer(name: name, at: now)
                checkers.removeValue(forKey: name)?.stop()
                targets[name] = nil
                lastChecks[name] = nil
            case .addServer(let name, _):
                guard let resolved else { return [] }
                events = try model.addServer(name: name, address: resolved.address.description, at: now)
                targets[name] = resolved.target
                lastChecks[name] = nil
                startChecker(for: name)
            }
        } catch {
            throw .refused(error)
        }
        apply(events)
        return events
    }

    /// The product's resolver: `getaddrinfo` for names, none for numeric addresses.
    static let resolveTarget: ServerResolver = { name, address throws(OperationError) in
        guard let endpoint = EndpointText.parse(address) else { throw .invalidAddress(address) }
        do throws(ProxyError) {
            return (endpoint, try AddressResolution.target(for: ServerConfig(name: name, address: endpoint)))
        } catch {
            throw .unresolvable(error.description)
        }
    }
}

/// `host:port` or `[v6]:port`, as written on a `server` line.
enum EndpointText {
    static func parse(_ text: String) -> Endpoint? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }  // a bare IPv6 address needs brackets
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
              let port = UInt16(portText), port > 0 else { return nil }
        return Endpoint(host: String(host), port: port)
    }
}
