import FailoverModel
import Foundation
import Logging
import Proxy
import ProxyConfig
import Testing

/// A restarted role before its first choice: an admin change made then is acknowledged only
/// once the file holds it, and the saved active server is kept (not replaced by "none").
struct StateFileStartupTests {
    private func snapshot(_ servers: [String], active: String?, startingUp: Bool) -> RoleSnapshot {
        RoleSnapshot(name: "r", thresholds: HealthThresholds(rise: 1, fall: 1),
                     servers: servers.map { ServerStatus(name: $0, address: "127.0.0.1:9") },
                     failback: false, active: active, isStartingUp: startingUp, isFeedAuthoritative: false, pendingChoice: nil)
    }

    @Test func aChangeDuringStartUpIsWrittenBeforeItIsAcknowledged() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID().uuidString).state").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = StateFile(path: path, configuration: ProxyConfiguration(), logger: Logger(label: "t"))
        before.record(snapshot(["a", "b"], active: "b", startingUp: false))
        before.flush()

        // The process restarts: the role starts up again, and a server is added before its first choice.
        let after = StateFile(path: path, configuration: ProxyConfiguration(), logger: Logger(label: "t"))
        _ = try after.load()
        after.record(snapshot(["a", "b"], active: nil, startingUp: true))
        let written = DispatchSemaphore(value: 0)
        after.record(snapshot(["a", "b", "c"], active: nil, startingUp: true)) { written.signal() }
        #expect(written.wait(timeout: .now() + 10) == .success)

        let saved = try #require(try StateFile(path: path, configuration: ProxyConfiguration(), logger: Logger(label: "t")).load())
        #expect(saved.roles.first?.snapshot.servers.map(\.name) == ["a", "b", "c"])
        #expect(saved.roles.first?.snapshot.active == "b")
    }
}
