import FailoverModel
import Foundation
import Testing

/// SPEC §4: runtime changes survive a restart, and a restart does not silently fail back.
@Suite struct RestartTests {
    /// a recovered after a failure, failback off: b hosts the role.
    func onSecondaryWithPrimaryUp(failback: Bool = false) -> RoleModel {
        run(allUpOnA + [
            Step(.feed(true)),
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up"]),
            Step(.maintenance("c", true), ["c:maintenance"]),
        ], on: makeModel(failback: failback))
    }

    func restarted(_ model: RoleModel, configured: [ServerSpec]? = nil) throws -> RoleModel {
        try RoleModel.restarting(from: model.snapshot(), configuredServers: configured,
                                 thresholds: model.thresholds)
    }

    @Test func restartKeepsOrderMaintenanceAndFailbackButForgetsHealth() throws {
        let model = try restarted(onSecondaryWithPrimaryUp(failback: true))
        #expect(model.isStartingUp)
        #expect(model.active == nil)
        #expect(model.failback)
        #expect(!model.isFeedAuthoritative)
        #expect(model.servers.map(\.state) == [.unknown, .unknown, .maintenance])
        #expect(model.pendingChoice == PendingChoice(server: "b", kind: .restored))
    }

    @Test func restoredPreferenceIsChosenEvenWhenAHigherServerIsUp() throws {
        let model = run([
            Step(.pass("a"), ["a:up"]),
            Step(.pass("b"), ["b:up", "->b startup"]),
            Step(.pass("a")),
        ], on: try restarted(onSecondaryWithPrimaryUp()))
        #expect(model.active == "b")
    }

    @Test func restoredPreferenceThatIsDownFallsBackToTheNormalRule() throws {
        run([
            Step(.pass("a"), ["a:up"]),
            Step(.fail("b"), ["b:down", "->a startup"]),
        ], on: try restarted(onSecondaryWithPrimaryUp()))
    }

    @Test func restoredPreferenceIsDroppedAtTheDeadline() throws {
        run([
            Step(.pass("a"), ["a:up"]),
            Step(.deadline, ["->a startup"]),
            Step(.pass("b"), ["b:up"]),
        ], on: try restarted(onSecondaryWithPrimaryUp()))
    }

    @Test func restoredPreferenceWithFailbackOnThenFailsBack() throws {
        run([
            Step(.pass("b"), ["b:up", "->b startup"]),
            Step(.pass("a"), ["a:up", "b>a failback"]),
        ], on: try restarted(onSecondaryWithPrimaryUp(failback: true)))
    }

    @Test func configDecidesWhichServersExistAndTheirAddresses() throws {
        var model = makeModel(["c", "b", "a"])
        _ = try model.setMaintenance(server: "b", enabled: true, at: time(0))
        let configured = [
            ServerSpec(name: "a", address: "192.0.2.1:80"),
            ServerSpec(name: "b", address: "192.0.2.2:80"),
            ServerSpec(name: "d", address: "192.0.2.4:80"),
        ]
        let restarted = try restarted(model, configured: configured)
        #expect(restarted.servers.map(\.name) == ["b", "a", "d"])
        #expect(restarted.servers.map(\.address) == ["192.0.2.2:80", "192.0.2.1:80", "192.0.2.4:80"])
        #expect(restarted.servers.map(\.state) == [.maintenance, .unknown, .unknown])
        #expect(throws: ModelError.duplicateServer("a")) {
            try RoleModel.restarting(from: model.snapshot(), configuredServers: configured + [configured[0]],
                                     thresholds: model.thresholds)
        }
    }

    @Test func snapshotRestoresTheExactModel() throws {
        let model = onSecondaryWithPrimaryUp(failback: true)
        #expect(try RoleModel(restoring: model.snapshot()) == model)
        let json = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(RoleModel.self, from: json) == model)
        #expect(try JSONDecoder().decode(RoleSnapshot.self, from: json) == model.snapshot())
    }

    @Test func snapshotBreakingTheRulesIsRefused() throws {
        var snapshot = onSecondaryWithPrimaryUp().snapshot()
        snapshot.active = "c"
        #expect(throws: ModelError.invalidSnapshot("active 'c' is maintenance")) {
            try RoleModel(restoring: snapshot)
        }
        snapshot.active = nil
        #expect(throws: ModelError.invalidSnapshot("no active server although 'a' is up")) {
            try RoleModel(restoring: snapshot)
        }
        snapshot.servers.append(snapshot.servers[0])
        #expect(throws: ModelError.duplicateServer("a")) { try RoleModel(restoring: snapshot) }
    }
}
