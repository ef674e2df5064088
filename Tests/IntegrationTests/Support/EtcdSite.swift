import Cluster
import DemoBackends
import Dispatch
import EventLoop
import Foundation
import Proxy
import ProxyConfig
import TestSupport

/// A real three-member etcd, two recording HTTP servers and several `failover-proxy run`
/// processes in cluster mode, all on 127.0.0.1. A member may reach etcd through relays the
/// test can stop (to cut it off). `stop()` (or deinit) stops every process it started, by PID.
final class EtcdSite: @unchecked Sendable {  // used from one test at a time
    let etcd: EtcdCluster
    let servers: [RecordingHTTPServer]
    let nodes: [String]
    let dataPorts: [UInt16]
    let adminPorts: [UInt16]
    let dir: TemporaryDirectory
    /// Per member: relays to each etcd member, when that member goes through relays.
    private(set) var relays: [String: [TCPRelay]] = [:]
    private(set) var processes: [String: ProxyProcess] = [:]
    let leaseTTL: String
    let staleAfter: String
    let onStoreLoss: String

    init(members: Int = 3, relayed: Set<String> = [], leaseTTL: String = "5s", staleAfter: String = "3s",
         onStoreLoss: String = "stop") throws {
        etcd = try EtcdCluster()
        servers = [RecordingHTTPServer(name: "primary"), RecordingHTTPServer(name: "secondary")]
        for server in servers { try server.start() }
        nodes = (1...members).map { "proxy-\($0)" }
        var ports: [UInt16] = []
        for _ in 0..<200 where ports.count < 2 * members {
            if let port = freeLoopbackPort(), !ports.contains(port), !etcd.clientPorts.contains(port), !etcd.peerPorts.contains(port) {
                ports.append(port)
            }
        }
        guard ports.count == 2 * members else { throw TestFailure("no free ports") }
        dataPorts = Array(ports[0..<members])
        adminPorts = Array(ports[members...])
        dir = try TemporaryDirectory()
        self.leaseTTL = leaseTTL
        self.staleAfter = staleAfter
        self.onStoreLoss = onStoreLoss
        for node in relayed {
            var list: [TCPRelay] = []
            for port in etcd.clientPorts {
                guard let relay = TCPRelay(to: port), relay.start() else { throw TestFailure("relay did not start") }
                list.append(relay)
            }
            relays[node] = list
        }
    }

    deinit { stop() }

    func server(_ name: String) -> RecordingHTTPServer { servers.first { $0.name == name }! }
    func index(_ node: String) -> Int { nodes.firstIndex(of: node)! }

    func config(_ node: String) -> String {
        let i = index(node)
        let urls = relays[node].map { $0.map { "http://127.0.0.1:\($0.port)" } } ?? etcd.clientURLs
        return """
        admin { listen 127.0.0.1:\(adminPorts[i]); }
        cluster {
            name site;
            node \(node);
            advertise 127.0.0.1:\(adminPorts[i]);
            etcd \(urls.joined(separator: " "));
            lease-ttl \(leaseTTL);
            stale-after \(staleAfter);
            on-store-loss \(onStoreLoss);
        }
        role lpr {
            listen 127.0.0.1:\(dataPorts[i]);
            mode http;
            hold 5s;
            connect-timeout 1s;
            drain-timeout 1s;
            health { path /health; interval 200ms; timeout 1s; rise 1; fall 3; }  # no spurious move on a loaded machine
            server primary 127.0.0.1:\(server("primary").port);
            server secondary 127.0.0.1:\(server("secondary").port);
        }

        """
    }

    /// Starts (or restarts) `node`'s proxy and waits until its admin API answers.
    func start(_ node: String) throws {
        let file = "\(node).conf"
        try dir.write(file, config(node))
        let process = ProxyProcess(["run", "--config", file], currentDirectory: dir.url)
        try process.start()
        processes[node] = process
        guard eventually(timeout: 20, { get(node, "/healthz")?.status == 200 }) else {
            throw TestFailure("\(node) did not start: \(process.stderr)")
        }
    }

    func startAll() throws { for node in nodes { try start(node) } }

    /// SIGKILL, as a crash.
    func kill(_ node: String) {
        guard let process = processes[node] else { return }
        process.signal(SIGKILL)
        process.wait(timeout: 5)
    }

    func signal(_ node: String, _ sig: Int32) { processes[node]?.signal(sig) }
    func log(_ node: String) -> String { processes[node]?.stderr ?? "" }

    /// Cuts `node` off from etcd (its relays stop), or lets it back in.
    func cutOff(_ node: String, _ cut: Bool) {
        for relay in relays[node] ?? [] {
            if cut { relay.stop() } else { _ = relay.start() }
        }
    }

    // MARK: the admin API

    func get(_ node: String, _ path: String) -> TestResponse? {
        guard let client = try? HTTPTestClient(port: adminPorts[index(node)], timeoutSeconds: 5) else { return nil }
        return client.get(path)
    }

    func post(_ node: String, _ path: String, _ body: String) -> TestResponse? {
        guard let client = try? HTTPTestClient(port: adminPorts[index(node)], timeoutSeconds: 30) else { return nil }
        let request = "POST \(path) HTTP/1.1\r\nHost: admin\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        guard client.send(request) else { return nil }
        return client.readResponse()
    }

    func json(_ node: String, _ path: String) -> [String: Any]? {
        guard let response = get(node, path), response.status == 200 else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// The role's active server and epoch as `node` reports them.
    func active(_ node: String) -> (server: String?, epoch: Int64?)? {
        guard let role = json(node, "/api/roles/lpr") else { return nil }
        return (role["active"] as? String, (role["epoch"] as? NSNumber)?.int64Value)
    }

    func cluster(_ node: String) -> [String: Any]? { json(node, "/api/cluster") }

    /// Successful calls to etcd so far, from `node`'s `/metrics`.
    func roundTrips(_ node: String) -> Int? {
        metric(node, "failover_proxy_cluster_store_round_trips_total").map { Int($0) }
    }

    func leader(asSeenBy node: String) -> String? { cluster(node)?["leader"] as? String }

    func isFresh(_ node: String) -> Bool { cluster(node)?["fresh"] as? Bool == true }

    /// Every running member routes to `server` (with one and the same epoch).
    func allRoute(to server: String, among members: [String]? = nil) -> Bool {
        let views = (members ?? nodes).map { active($0) }
        guard views.allSatisfy({ $0?.server == server }) else { return false }
        return Set(views.map { $0?.epoch }).count == 1
    }

    /// The ids of the failover events `node` replays on `/events` (read for up to a second).
    func failoverEventIDs(_ node: String) -> [String] {
        guard let client = try? HTTPTestClient(port: adminPorts[index(node)], timeoutSeconds: 1),
              client.send("GET /events?lastEventId=0 HTTP/1.1\r\nHost: admin\r\n\r\n") else { return [] }
        var text = ""
        for _ in 0..<20 {  // bounded: the stream never ends by itself
            guard let bytes = client.readSome() else { break }
            text += String(decoding: bytes, as: UTF8.self)
        }
        var ids: [String] = []
        for frame in text.components(separatedBy: "\n\n") where frame.contains("event: failover") {
            if let line = frame.split(separator: "\n").first(where: { $0.hasPrefix("id: ") }) { ids.append(String(line.dropFirst(4))) }
        }
        return ids
    }

    /// A gauge or counter from `node`'s `/metrics` (the first series of that name).
    func metric(_ node: String, _ name: String) -> Double? {
        guard let text = get(node, "/metrics")?.text else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// One request through `node`'s data port: the status, or nil when refused or not answered.
    func request(through node: String, _ path: String = "/") -> Int? {
        guard let client = try? HTTPTestClient(port: dataPorts[index(node)], timeoutSeconds: 5) else { return nil }
        return client.get(path)?.status
    }

    // MARK: etcd, as an operator's tool would reach it

    private lazy var store: EtcdClient? = {
        let urls = etcd.clientPorts.map { HTTPURL(scheme: "http", host: "127.0.0.1", port: $0, path: "/", text: "http://127.0.0.1:\($0)") }
        return try? EtcdClient(urls: urls, loop: EventLoop(), callbackQueue: DispatchQueue(label: "test.etcd"))
    }()

    func etcdValue(_ key: String) -> StoredValue? {
        let box = Box<StoredValue?>(nil)
        let done = DispatchSemaphore(value: 0)
        store?.read(prefix: key) { result in
            box.value = (try? result.get())?.values.first { $0.key == key }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 10)
        return box.value
    }

    func etcdTransaction(if conditions: [StoreCondition], then writes: [StoreWrite]) -> TransactionOutcome? {
        let box = Box<TransactionOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        store?.transaction(if: conditions, then: writes, readOnFailure: []) { result in
            box.value = try? result.get()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 10)
        return box.value
    }

    func stop() {
        for process in processes.values {
            process.signal(SIGKILL)
            process.wait(timeout: 5)
        }
        processes = [:]
        for list in relays.values { for relay in list { relay.stop() } }
        for server in servers { server.stop() }
        etcd.stop()
    }
}
