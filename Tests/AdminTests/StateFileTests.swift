import DemoBackends
import Foundation
import FailoverModel
import Logging
import Proxy
import ProxyConfig
import Testing

@Suite(.serialized) struct StateFileTests {
    @Test func aRestartKeepsTheRoleOnTheSecondary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("failover-proxy.state").path

        let backends = try DemoServer.started(["primary", "secondary"])
        defer { for backend in backends { backend.stop() } }
        let first = try AdminHarness(failback: false, statePath: path, reuse: backends)
        #expect(first.waitForActive("primary"))
        #expect(first.waitForAllUp())
        backends[0].stop()  // the primary fails: the role goes to the secondary
        #expect(first.waitForActive("secondary"))
        backends[0].healthy = true
        try backends[0].start()
        // failback off: the primary comes back up, the role stays
        #expect(first.waitForAllUp())
        #expect(first.active == "secondary")
        first.stop()

        let saved = try #require(try StateFile(path: path, configuration: .init(), logger: .init(label: "t")).load())
        #expect(saved.snapshots["web"]?.active == "secondary")

        let second = try AdminHarness(failback: false, statePath: path, reuse: backends)
        defer { second.stop() }
        #expect(second.waitForActive("secondary"))
        #expect(second.waitForAllUp())  // the primary is healthy, and still the role stays
        #expect(second.active == "secondary")
        let role = try second.get("/api/roles/web").json()
        #expect(role["active"] as? String == "secondary")
    }

    @Test func runtimeChangesSurviveARestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path

        let backends = try DemoServer.started(["a", "b", "c"])
        defer { for backend in backends { backend.stop() } }
        let first = try AdminHarness(statePath: path, reuse: backends)
        #expect(first.waitForActive("a"))
        #expect(first.waitForAllUp())
        #expect(try first.call("POST", "/api/roles/web/servers/c/move", #"{"position":0}"#).status == 200)
        #expect(try first.call("PUT", "/api/roles/web/failback", #"{"enabled":true}"#).status == 200)
        #expect(try first.call("POST", "/api/roles/web/servers/b/maintenance", #"{"enabled":true}"#).status == 200)
        #expect(try first.call("DELETE", "/api/roles/web/servers/a").status == 200)
        #expect(first.active == "c")
        first.stop()
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))

        // The same file config (a, b, c): a stays removed, c stays first, b in maintenance.
        let second = try AdminHarness(statePath: path, reuse: backends)
        defer { second.stop() }
        #expect(second.waitForActive("c"), "\((try? second.get("/api/roles/web").text) ?? "")")
        let role = try second.get("/api/roles/web").json()
        let servers = try #require(role["servers"] as? [[String: Any]])
        #expect(servers.map { $0["name"] as? String } == ["c", "b"])
        #expect(servers[1]["state"] as? String == "maintenance")
        #expect(role["failback"] as? Bool == true)
    }
}

extension DemoServer {
    /// HTTP demo servers on ephemeral ports, started; the caller stops them.
    static func started(_ names: [String]) throws -> [DemoServer] {
        try names.map { name in
            let server = DemoServer(name: name, kind: .http)
            try server.start()
            return server
        }
    }
}

struct SavedStateTests {
    private func role(_ servers: [String]) -> RoleConfig {
        RoleConfig(name: "r", servers: servers.enumerated().map { i, name in
            ServerConfig(name: name, address: Endpoint(host: "127.0.0.1", port: UInt16(10_000 + i)))
        })
    }

    private func saved(snapshotServers: [String], configured: [String]) throws -> SavedState {
        let model = try RoleModel(name: "r", servers: snapshotServers.map { ServerSpec(name: $0, address: "127.0.0.1:2\($0.count)000") },
                                  failback: false, thresholds: HealthThresholds(rise: 1, fall: 1))
        return SavedState(roles: [SavedRole(snapshot: model.snapshot(), configuredServers: configured)])
    }

    @Test func runtimeChangesWinOverTheFileTheyWereMadeAgainst() throws {
        // Saved against a file with a, b, c: `a` was removed and `x` added at run time.
        let state = try saved(snapshotServers: ["c", "b", "x"], configured: ["a", "b", "c"])
        let effective = state.effectiveConfiguration(ProxyConfiguration(roles: [role(["a", "b", "c"])]))
        #expect(effective.roles[0].servers.map(\.name) == ["b", "c", "x"])
        #expect(effective.roles[0].servers.last?.address == Endpoint(host: "127.0.0.1", port: 21000))
    }

    @Test func fileChangesSinceTheSaveAreTakenAsTheFileSays() throws {
        // Saved against a, b; the file now has b and d: `a` left the file, `d` joined it.
        let state = try saved(snapshotServers: ["a", "b"], configured: ["a", "b"])
        let effective = state.effectiveConfiguration(ProxyConfiguration(roles: [role(["b", "d"])]))
        #expect(effective.roles[0].servers.map(\.name) == ["b", "d"])
    }

    @Test func aRoleWithoutSavedStateIsUnchanged() throws {
        let state = SavedState(roles: [])
        let configuration = ProxyConfiguration(roles: [role(["a"])])
        #expect(state.effectiveConfiguration(configuration) == configuration)
    }
}

struct StateFileLoadTests {
    @Test func aCorruptFileIsRefusedWithItsPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).state").path
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = StateFile(path: path, configuration: ProxyConfiguration(), logger: Logger(label: "t"))
        #expect { try file.load() } throws: { "\($0)".contains(path) }
    }

    @Test func noFileIsNoSavedState() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).state").path
        #expect(try StateFile(path: path, configuration: ProxyConfiguration(), logger: Logger(label: "t")).load() == nil)
    }
}
