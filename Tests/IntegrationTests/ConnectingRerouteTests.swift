import DemoBackends
import EventLoop
import Foundation
import Proxy
import ProxyConfig
import class TestSupport.BlockingListener
import class TestSupport.Promise
import Testing

/// A client whose connect to the active server is still under way when the role moves is
/// routed to the new server: no byte of it went to the old one, so it is neither sent there
/// late nor dropped, and the given-up connect blames no server. `mode tcp`, and `mode http`
/// for comparison (its exchange state machine gives such a connect up too).
@Suite(.serialized) struct ConnectingRerouteTests {
    /// How the role leaves the primary; the handover of open sessions differs, not this.
    /// `maintenanceNoServerYet`: the role has no server for a while (like the first step of
    /// a cluster's planned move), so the client is held until the secondary is up.
    enum Move: String, CaseIterable, CustomTestStringConvertible {
        case failureKeep, failureClose, maintenance, maintenanceNoServerYet
        var testDescription: String { rawValue }
    }

    @Test(arguments: [RoleConfig.Mode.tcp, .http], Move.allCases)
    func aConnectingClientGoesToTheNewServer(_ mode: RoleConfig.Mode, _ move: Move) throws {
        // The primary's connects hang.
        guard let full = try HangingListener() else { return }
        defer { full.close() }

        let primaryHealth = DemoServer(name: "primary-health", kind: .http)
        let secondary = DemoServer(name: "secondary", kind: mode == .tcp ? .tcp : .http)
        let secondaryHealth = DemoServer(name: "secondary-health", kind: .http)
        for server in [primaryHealth, secondary, secondaryHealth] { try server.start() }
        defer { for server in [primaryHealth, secondary, secondaryHealth] { server.stop() } }
        // connect-timeout beyond the client's read timeout (10 s): only the move may end the
        // connect in time. Without a re-route it times out later, while the proxy still runs.
        let proxy = try ConfiguredProxy("""
            role r {
                listen 127.0.0.1:0;
                mode \(mode.rawValue);
                hold 5s;
                connect-timeout 15s;
                on-failover \(move == .failureKeep ? "keep" : "close");
                health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(full.port) health-port \(primaryHealth.port);
                server secondary 127.0.0.1:\(secondary.port) health-port \(secondaryHealth.port);
            }

            """)
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        if move == .maintenanceNoServerYet {
            secondaryHealth.healthy = false
            #expect(eventually { proxy.logged("server=secondary state=down") })
        }

        let client = try MovedClient(mode, port: proxy.port("r"))
        #expect(eventually { Self.connectsUnderWay(to: full.port) == 1 }, "connects under way: \(Self.connectsUnderWay(to: full.port))")
        switch move {
        case .failureKeep, .failureClose:
            primaryHealth.healthy = false
        case .maintenance, .maintenanceNoServerYet:
            let done = Promise<Bool>()
            proxy.proxy.perform(.setMaintenance(server: "primary", enabled: true), role: "r") { result, _ in
                done.fulfill((try? result.get()) != nil)
            }
            #expect(done.wait() == true)
        }
        if move == .maintenanceNoServerYet {
            #expect(proxy.waitForActive("r", nil))
            secondaryHealth.healthy = true
        }
        #expect(proxy.waitForActive("r", "secondary"))

        client.expectServedBySecondary()
        #expect(secondary.served == 1)
        // The given-up connect was closed, not left to reach the primary once it accepts.
        #expect(eventually { Self.connectsUnderWay(to: full.port) == 0 })
        _ = proxy.active("r")  // a turn of the role's queue: a passive failure reported before is logged by now
        #expect(!proxy.logs.all.contains { $0.contains("passive failure") && $0.contains("server=primary") })
    }

    /// A shutdown waits for a client still connecting like for one forwarding, and at its
    /// timeout closes it: its connect is cancelled, never completed after the proxy stopped.
    @Test func aClientStillConnectingAtShutdownIsClosedByIt() throws {
        guard let full = try HangingListener() else { return }
        defer { full.close() }
        let health = DemoServer(name: "primary-health", kind: .http)
        try health.start()
        defer { health.stop() }
        // The connect would time out after the client's 10 s read timeout: only the
        // shutdown can close the client in time.
        let proxy = try ConfiguredProxy("""
            shutdown-timeout 1s;
            role r {
                listen 127.0.0.1:0;
                mode tcp;
                connect-timeout 15s;
                health { path /health; interval 200ms; timeout 300ms; rise 1; fall 1; }
                server primary 127.0.0.1:\(full.port) health-port \(health.port);
            }

            """)
        defer { proxy.stop() }
        #expect(proxy.waitForActive("r", "primary"))
        let client = try TestClient(port: proxy.port("r"))
        #expect(eventually { Self.connectsUnderWay(to: full.port) == 1 })
        proxy.stop()
        #expect(client.waitForClose())
        #expect(eventually { Self.connectsUnderWay(to: full.port) == 0 })
    }

    /// Connects from this host to `port` on 127.0.0.1 still waiting for an answer (SYN_SENT).
    static func connectsUnderWay(to port: UInt16) -> Int {
        // Read to the end: a /proc file reports a size of 0.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return -1 }
        defer { try? file.close() }
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        let remote = String(format: "0100007F:%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[2] == remote && fields[3] == "02"
        }.count
    }
}

/// A listener whose connects hang: it never accepts and its backlog is full, so further
/// SYNs are dropped. nil (the issue recorded) when the backlog could not be filled.
private final class HangingListener {
    private let listener: BlockingListener
    private let group = EventLoopGroup(count: 1)  // the fillers' connects ran on it
    private let fillers: [Socket]
    var port: UInt16 { listener.port }

    init?() throws {
        listener = try #require(BlockingListener(backlog: 0))
        let (fillers, outcome) = listener.fillBacklog(loop: group.next())
        self.fillers = fillers
        guard case .failure = outcome else {
            Issue.record("backlog never filled: \(String(describing: outcome))")
            close()
            return nil
        }
    }

    func close() {
        for filler in fillers { filler.close() }
        listener.close()
    }
}

/// The client of `ConnectingRerouteTests`: a TCP one sends nothing before it is served, an
/// HTTP one sends its request at once (its connect starts once the request is in).
private enum MovedClient {
    case tcp(TestClient)
    case http(HTTPTestClient)

    init(_ mode: RoleConfig.Mode, port: UInt16) throws {
        if mode == .tcp {
            self = .tcp(try TestClient(port: port))
        } else {
            let client = try HTTPTestClient(port: port)
            #expect(client.send("GET / HTTP/1.1\r\nHost: test\r\n\r\n"))
            self = .http(client)
        }
    }

    func expectServedBySecondary() {
        switch self {
        case .tcp(let client):
            #expect(client.readLine() == "secondary")
            #expect((try? client.send("rerouted\n")) != nil)
            #expect(client.readLine() == "rerouted")
        case .http(let client):
            #expect(client.readResponse()?.text == "served by secondary\n")
        }
    }
}
