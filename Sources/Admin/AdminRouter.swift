import FailoverModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import HTTP1
import Logging
import Proxy
import Synchronization

/// Maps admin requests to the calls of SPEC §5. Reads and operator calls go to the roles'
/// queues; the answer comes back through `respond` (the connection hops to its loop).
final class AdminRouter: Sendable {
    let proxy: ProxyServer
    let hub: EventHub
    let metrics: AdminMetrics
    /// Replaced when a reload reads `token-file` again.
    private let token: Mutex<BearerToken?>
    private let stateFile: StateFile?
    private let logger: Logger
    /// Bytes an event stream may have waiting before its subscriber counts as slow and is dropped.
    let streamBacklog: Int

    init(proxy: ProxyServer, hub: EventHub, metrics: AdminMetrics, token: BearerToken?, stateFile: StateFile?, logger: Logger,
         streamBacklog: Int) {
        self.streamBacklog = streamBacklog
        self.proxy = proxy
        self.hub = hub
        self.metrics = metrics
        self.token = Mutex(token)
        self.stateFile = stateFile
        self.logger = logger
    }

    typealias Respond = @Sendable (AdminResponse) -> Void

    func setToken(_ new: BearerToken?) { token.withLock { $0 = new } }

    func handle(_ request: AdminRequest, respond: @escaping Respond) {
        guard let route = AdminRoute(segments: request.segments) else {
            return respond(.error(404, "no such path: \(request.path)"))
        }
        switch route {
        case .statusPage:
            guard allow(request, [.get], respond) else { return }
            respond(.full(status: 200, contentType: "text/html; charset=utf-8", body: StatusPage.html))
        case .healthz:
            guard allow(request, [.get], respond) else { return }
            respond(.json(200, JSONBodies.encode(["status": "ok"])))
        case .readyz:
            guard allow(request, [.get], respond) else { return }
            proxy.clusterStatus { [proxy] cluster in
                // A stale cluster member with `on-store-loss stop` is not ready, whatever it last knew.
                if let cluster, !cluster.fresh, cluster.stopsWhenStale {
                    return respond(.json(503, JSONBodies.encode(["status": "stale", "error": cluster.error ?? "no answer from etcd"])))
                }
                proxy.roleStatuses { statuses in
                    let waiting = statuses.filter { $0.active == nil }.map(\.name)
                    respond(waiting.isEmpty
                        ? .json(200, JSONBodies.encode(["status": "ready"]))
                        : .json(503, JSONBodies.encode(["status": "not ready", "waiting": waiting.joined(separator: ",")])))
                }
            }
        case .cluster:
            guard allow(request, [.get], respond) else { return }
            proxy.clusterStatus { status in
                guard let status else { return respond(.error(404, "not in cluster mode (no cluster block)")) }
                respond(.json(200, JSONBodies.cluster(status)))
            }
        case .metrics:
            guard allow(request, [.get], respond) else { return }
            metrics.scrape(proxy) { text in
                respond(.full(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text))
            }
        case .events:
            guard allow(request, [.get], respond) else { return }
            // The header (sent by EventSource on reconnect) wins; `?lastEventId=N` lets a page replay on first load.
            let lastEventID = request.lastEventID ?? request.queryValue("lastEventId")
            respond(.eventStream(lastEventID: lastEventID.flatMap { UInt64($0.trimmedWhitespace) }))
        case .roles:
            guard allow(request, [.get], respond) else { return }
            proxy.roleStatuses { respond(.json(200, JSONBodies.roles($0))) }
        case .role(let role):
            guard allow(request, [.get], respond) else { return }
            proxy.roleStatuses { statuses in
                guard let status = statuses.first(where: { $0.name == role }) else {
                    return respond(.error(404, "unknown role '\(role)'"))
                }
                respond(.json(200, JSONBodies.role(status)))
            }
        case .servers(let role):
            guard allow(request, [.post], respond), authorized(request, respond),
                  let body = decode(AddServerBody.self, request, respond) else { return }
            perform(.addServer(name: body.name, address: body.address), role: role, respond)
        case .server(let role, let server):
            guard allow(request, [.delete], respond), authorized(request, respond) else { return }
            perform(.removeServer(name: server), role: role, respond)
        case .maintenance(let role, let server):
            guard allow(request, [.post], respond), authorized(request, respond),
                  let body = decode(EnabledBody.self, request, respond) else { return }
            perform(.setMaintenance(server: server, enabled: body.enabled), role: role, respond)
        case .move(let role, let server):
            guard allow(request, [.post], respond), authorized(request, respond),
                  let body = decode(PositionBody.self, request, respond) else { return }
            perform(.move(server: server, position: body.position), role: role, respond)
        case .failback(let role):
            guard allow(request, [.put], respond), authorized(request, respond),
                  let body = decode(EnabledBody.self, request, respond) else { return }
            perform(.setFailback(body.enabled), role: role, respond)
        case .activate(let role):
            guard allow(request, [.post], respond), authorized(request, respond),
                  let body = decode(ActivateBody.self, request, respond) else { return }
            perform(.activate(server: body.server), role: role, respond)
        }
    }

    // MARK: steps

    private func allow(_ request: AdminRequest, _ methods: [HTTPMethod], _ respond: Respond) -> Bool {
        guard !methods.contains(request.method) else { return true }
        let names = methods.map(Self.name).joined(separator: ", ")
        respond(.error(405, "method not allowed; use \(names)", headers: [("Allow", names)]))
        return false
    }

    private func authorized(_ request: AdminRequest, _ respond: Respond) -> Bool {
        guard let token = token.withLock({ $0 }), !token.accepts(authorization: request.authorization) else { return true }
        respond(.error(401, "this call needs Authorization: Bearer TOKEN (see token-file)",
                       headers: [("WWW-Authenticate", "Bearer realm=\"failover-proxy\"")]))
        return false
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: AdminRequest, _ respond: Respond) -> T? {
        switch RequestBodies.decode(type, body: request.body, contentType: request.contentType) {
        case .success(let body): return body
        case .failure(let refusal):
            respond(.error(refusal.status, refusal.message))
            return nil
        }
    }

    private func perform(_ operation: RoleOperation, role: String, _ respond: @escaping Respond) {
        proxy.perform(operation, role: role) { [proxy, stateFile, logger] result, snapshot in
            let answer: @Sendable () -> Void = {
                switch result {
                case .failure(let error):
                    respond(.error(Self.status(for: error), error.description))
                case .success(let events):
                    logger.notice("admin change", metadata: ["role": .string(role), "operation": .string("\(operation)")])
                    proxy.roleStatuses { statuses in
                        respond(.json(200, JSONBodies.change(events: events, role: statuses.first { $0.name == role })))
                    }
                }
            }
            // Right after the change, on the role's queue: the answer waits until the file holds it.
            if let snapshot, let stateFile { stateFile.record(snapshot, written: answer) } else { answer() }
        }
    }

    static func status(for error: OperationError) -> Int {
        switch error {
        case .unknownRole, .refused(.unknownServer): 404
        case .invalidAddress, .unresolvable, .refused(.invalidServerName), .refused(.positionOutOfRange): 400
        case .refused: 409
        case .remote(.notFound, _): 404
        case .remote(.invalid, _): 400
        case .remote(.conflict, _): 409
        case .clusterUnavailable: 503
        }
    }

    private static func name(_ method: HTTPMethod) -> String {
        switch method {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .connect: "CONNECT"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .other: "OTHER"
        }
    }
}
