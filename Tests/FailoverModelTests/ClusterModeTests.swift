import FailoverModel
import Testing

/// Cluster mode in the model: a follower never decides; a new leader adopts and keeps.
@Suite struct ClusterModeTests {
    let t0 = Timestamp(milliseconds: 1_000_000)

    func model(_ names: [String] = ["a", "b", "c"], failback: Bool = false) throws -> RoleModel {
        try RoleModel(name: "r", servers: names.map { ServerSpec(name: $0, address: "10.0.0.1:\($0.count)") },
                      failback: failback, thresholds: HealthThresholds(rise: 1, fall: 1))
    }

    func failovers(_ events: [ModelEvent]) -> [String] {
        events.compactMap {
            guard case .failover(let f) = $0 else { return nil }
            return "\(f.from ?? "-")>\(f.to ?? "-") \(f.reason.rawValue)"
        }
    }

    @Test func aFollowerKeepsHealthButNeverMovesTheRole() throws {
        var m = try model()
        #expect(m.setFollowing(true, at: t0).isEmpty)
        for s in ["a", "b", "c"] { #expect(failovers(m.recordCheck(server: s, passed: true, at: t0)).isEmpty) }
        #expect(m.active == nil)
        #expect(failovers(m.follow(active: "b", reason: .startup, at: t0)) == ["->b startup"])
        // b fails here: a follower reports it but leaves the move to the leader.
        let events = m.recordCheck(server: "b", passed: false, at: t0)
        #expect(m.server(named: "b")?.state == .down)
        #expect(failovers(events).isEmpty && m.active == "b")
        #expect(failovers(m.startupDeadlineReached(at: t0)).isEmpty)
    }

    @Test func aNewLeaderKeepsTheAdoptedActiveServerWhileItHasNoVerdict() throws {
        var m = try model(failback: true)
        _ = m.setFollowing(true, at: t0)
        _ = m.follow(active: "b", reason: .failure, at: t0)
        // Leadership arrives before any check ran here: b is unknown, the role stays.
        #expect(failovers(m.setFollowing(false, at: t0)).isEmpty)
        #expect(m.active == "b")
        #expect(failovers(m.recordCheck(server: "b", passed: true, at: t0)).isEmpty)
        // The first verdict that matters: b down moves the role (a is still unknown: none).
        #expect(failovers(m.recordCheck(server: "c", passed: true, at: t0)).isEmpty)
        #expect(failovers(m.recordCheck(server: "b", passed: false, at: t0)) == ["b>c failure"])
        // Failback applies as soon as a is judged up.
        #expect(failovers(m.recordCheck(server: "a", passed: true, at: t0)) == ["c>a failback"])
    }

    @Test func adoptedSettingsReorderAddRemoveAndFlagServersKeepingVerdicts() throws {
        var m = try model()
        _ = m.setFollowing(true, at: t0)
        _ = m.recordCheck(server: "a", passed: true, at: t0)
        _ = m.recordCheck(server: "c", passed: false, at: t0)
        let settings = RoleSettings(servers: [ServerSpec(name: "c", address: "10.0.0.1:1"),
                                              ServerSpec(name: "a", address: "10.0.0.1:1"),
                                              ServerSpec(name: "d", address: "10.0.0.9:80")],
                                    maintenance: ["a"], failback: true)
        let events = try m.adopt(settings, at: t0)
        #expect(m.servers.map(\.name) == ["c", "a", "d"])
        #expect(m.server(named: "a")?.state == .maintenance)
        #expect(m.server(named: "c")?.state == .down)  // kept
        #expect(m.server(named: "d")?.state == .unknown)  // new
        #expect(m.failback && failovers(events).isEmpty)
        #expect(m.settings == settings)
        #expect(throws: ModelError.duplicateServer("a")) {
            try m.adopt(RoleSettings(servers: [ServerSpec(name: "a", address: "x:1"), ServerSpec(name: "a", address: "x:2")],
                                     maintenance: [], failback: false), at: t0)
        }
    }

    @Test func withoutFollowingNothingChanges() throws {
        var m = try model()
        #expect(failovers(m.recordCheck(server: "a", passed: true, at: t0)) == ["->a startup"])
        _ = m.recordCheck(server: "b", passed: true, at: t0)
        #expect(failovers(m.recordCheck(server: "a", passed: false, at: t0)) == ["a>b failure"])
    }
}
