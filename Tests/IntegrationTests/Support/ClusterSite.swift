import Cluster
import DemoBackends
import Dispatch
import EventLoop
import FailoverModel
import Foundation
import Proxy
import ProxyConfig
import TestSupport

/// Several in-process proxies in cluster mode over one fake etcd and shared HTTP demo
/// servers, for tests of the cluster's behaviour without processes. `stop()` (or deinit)
/// shuts every member and server down.
final class ClusterSite: @unchecked Sendable {  // used from one test at a time
    let etcd = FakeEtcd()
    let servers: [DemoServer]
    private(set) var members: [Member] = []
    let prefix = "/failover-proxy/site/"

    final class Member {
        let node: String
        let proxy: ProxyServer
        let store: FakeStore
        let logs: LogCapture
        let port: UInt16
        var stopped = false

        init(node: String, proxy: ProxyServer, store: FakeStore, logs: LogCapture, port: UInt16) {
            self.node = node
            self.proxy = proxy
            self.store = store
            self.logs = logs
            self.port = port
        }

        var active: String? { proxy.activeServers()["test"] ?? nil }

        var status: ClusterStatus? {
            let box = Box<ClusterStatus?>(nil)
            let done = DispatchSemaphore(value: 0)
            proxy.clusterStatus { box.value = $0; done.signal() }
            _ = done.wait(timeout: .now() + 5)
            return box.value
        }

        var isLeading: Bool { status?.leader == node && status?.fresh == true }

        /// An admin call on this member; nil when it got no answer at all.
        func perform(_ operation: RoleOperation) -> Result<Void, OperationError>? {
            let box = Box<Result<Void, OperationError>?>(nil)
            let done = DispatchSemaphore(value: 0)
            proxy.perform(operation, role: "test") { result, _ in
                box.value = result.map { _ in () }
                done.signal()
            }
            guard done.wait(timeout: .now() + 30) == .success else { return nil }
            return box.value
        }

        func stop() {
            guard !stopped else { return }
            stopped = true
            proxy.shutdownAndWait()
        }
    }

    init(members count: Int = 3, servers names: [String] = ["primary", "secondary"], onStoreLoss: StoreLossPolicy = .stop,
         staleAfter: Duration = .milliseconds(900), directives: String = "") throws {
        servers = names.map { DemoServer(name: $0, kind: .http) }
        for server in servers { try server.start() }
        for i in 1...count {
            try addMember("p\(i)", onStoreLoss: onStoreLoss, staleAfter: staleAfter, directives: directives)
        }
    }

    deinit { stop() }

    func addMember(_ node: String, onStoreLoss: StoreLossPolicy = .stop, staleAfter: Duration = .milliseconds(900),
                   directives: String = "") throws {
        let serverLines = servers.map { "    server \($0.name) 127.0.0.1:\($0.port);" }.joined(separator: "\n")
        let text = """
        role test {
            listen 127.0.0.1:0;
            mode http;
            hold 3s;
            connect-timeout 1s;
            drain-timeout 1s;
            \(directives)
            health { path /health; interval 100ms; timeout 300ms; rise 1; fall 1; }
        \(serverLines)
        }

        """
        let parsed = ConfigParser.parse(text, file: "test.conf")
        guard var configuration = parsed.configuration else { throw TestFailure("bad config: \(parsed.diagnostics)") }
        configuration.cluster = ClusterConfig(name: "site", node: node, advertise: Endpoint(host: "127.0.0.1", port: 9901),
                                              etcd: [], leaseTTL: .seconds(3), staleAfter: staleAfter, onStoreLoss: onStoreLoss)
        let queue = DispatchQueue(label: "test.cluster.\(node)")
        let store = FakeStore(etcd, callbackQueue: queue, name: node)
        let logs = LogCapture()
        let proxy = try ProxyServer(configuration: configuration, logger: logs.logger, group: EventLoopGroup(count: 1),
                                    store: store, clusterQueue: queue)
        try proxy.start()
        let port = proxy.boundAddresses(role: "test").first?.port ?? 0
        members.append(Member(node: node, proxy: proxy, store: store, logs: logs, port: port))
    }

    func member(_ node: String) -> Member { members.first { $0.node == node }! }
    func server(_ name: String) -> DemoServer { servers.first { $0.name == name }! }

    var leader: Member? { members.first { !$0.stopped && $0.isLeading } }

    /// Waits until every running member routes to `server`.
    func waitForAll(_ server: String?, timeout: TimeInterval = 10) -> Bool {
        eventually(timeout: timeout) { members.filter { !$0.stopped }.allSatisfy { $0.active == server } }
    }

    /// Every member's log, for a failing test's message.
    var logs: String {
        members.map { "--- \($0.node)\n" + $0.logs.all.joined(separator: "\n") }.joined(separator: "\n")
    }

    func stop() {
        if ProcessInfo.processInfo.environment["CLUSTER_TEST_LOGS"] != nil { print(logs) }
        for member in members { member.stop() }
        for server in servers { server.stop() }
    }
}

/// A value filled in on another thread and read after a semaphore.
final class Box<T>: @unchecked Sendable {  // written before the semaphore's signal, read after its wait
    var value: T
    init(_ value: T) { self.value = value }
}

