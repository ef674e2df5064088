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

extension RoleController {
    /// Carries out `operation` on the model, then its events (routes, logs, observers).
    /// Runs on `queue`. Adding a server resolves its address first (it may block on DNS:
    /// this queue is not an event loop) and starts its health checks; removing one stops them.
    func perform(_ operation: RoleOperation) throws(OperationError) -> [ModelEvent] {
        dispatchPrecondition(condition: .onQueue(queue))
        var added: (address: Endpoint, target: ServerTarget)?
        if case .addServer(let name, let address) = operation {
            if model.index(of: name) != nil { throw .refused(.duplicateServer(name)) }
            added = try Self.resolveTarget(name: name, address: address)
        }
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
                guard let added else { return [] }
                events = try model.addServer(name: name, address: added.address.description, at: now)
                targets[name] = added.target
                lastChecks[name] = nil
                startChecker(for: name)
            }
        } catch {
            throw .refused(error)
        }
        apply(events)
        return events
    }

    private static func resolveTarget(name: String, address: String) throws(OperationError)
        -> (address: Endpoint, target: ServerTarget)
    {
        guard let endpoint = EndpointText.parse(address) else { throw .invalidAddress(address) }
        do {
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
