import FailoverModel
import Testing

/// SPEC §4: who hosts the role when servers fail, recover, go into maintenance or move.
@Suite struct FailoverRuleTests {
    @Test func failbackOffStaysOnTheSecondaryAfterRecovery() {
        let model = run(allUpOnA + [
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up"]),
            Step(.pass("a")),
        ])
        #expect(model.active == "b")
    }

    @Test func failbackOnReturnsAfterRisePasses() {
        run(allUpOnA + [
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up", "b>a failback"]),
        ], on: makeModel(failback: true))
    }

    @Test func secondaryFailingWhilePrimaryIsDownGoesToTertiary() {
        run(allUpOnA + [
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.fail("b")),
            Step(.fail("b"), ["b:down", "b>c failure"]),
        ])
    }

    @Test func activeFailureMovesToTheTopOfTheList() {
        run(allUpOnA + [
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.activate("c"), ["b>c manual"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up"]),
            Step(.fail("c")),
            Step(.fail("c"), ["c:down", "c>a failure"]),
        ])
    }

    @Test func passiveFailureCountsAsOneFailedCheck() {
        run(allUpOnA + [
            Step(.passive("a")),
            Step(.pass("a")),  // a pass resets the failure run
            Step(.passive("a")),
            Step(.passive("a"), ["a:down", "a>b failure"]),
        ])
    }

    @Test func maintenanceOnTheActiveIsAPlannedMove() {
        run(allUpOnA + [
            Step(.maintenance("a", true), ["a:maintenance", "a>b maintenance"]),
            Step(.maintenance("a", true)),
            Step(.maintenance("a", false), ["a:up"]),
        ])
    }

    @Test func leavingMaintenanceWithFailbackOnTakesTheRoleBack() {
        run(allUpOnA + [
            Step(.maintenance("a", true), ["a:maintenance", "a>b maintenance"]),
            Step(.maintenance("a", false), ["a:up", "b>a failback"]),
        ], on: makeModel(failback: true))
    }

    @Test func maintenanceOnAnotherServerDoesNotMoveTheRole() {
        run(allUpOnA + [Step(.maintenance("c", true), ["c:maintenance"])])
    }

    @Test func checksContinueUnderMaintenanceAndAreRevealedAfter() {
        run(allUpOnA + [
            Step(.maintenance("c", true), ["c:maintenance"]),
            Step(.fail("c")),
            Step(.fail("c")),
            Step(.maintenance("c", false), ["c:down"]),
        ])
    }

    @Test func lastServerIntoMaintenanceLeavesNoActiveAndBackRecovers() {
        run([
            Step(.pass("a"), ["a:up", "->a startup"]),
            Step(.maintenance("a", true), ["a:maintenance", "a>- maintenance"]),
            Step(.maintenance("a", false), ["a:up", "->a maintenance"]),
        ], on: makeModel(["a"]))
    }

    @Test(arguments: [false, true])
    func reorderOnlyChangesWhoIsNextUnlessFailbackIsOn(failback: Bool) {
        run(allUpOnA + [
            Step(.move("c", 0), failback ? ["a>c reorder"] : []),
            Step(.move("b", 0), failback ? ["c>b reorder"] : []),
            Step(.move("b", 5), throws: .positionOutOfRange(position: 5, count: 3)),
            Step(.move("zz", 0), throws: .unknownServer("zz")),
        ], on: makeModel(failback: failback))
    }

    @Test func reorderDecidesTheNextServerOnFailure() {
        run(allUpOnA + [
            Step(.move("c", 0)),
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>c failure"]),
        ])
    }

    @Test func reorderWithFailbackIgnoresServersThatAreNotUp() {
        run(allUpOnA + [
            Step(.fail("c")),
            Step(.fail("c"), ["c:down"]),
            Step(.move("c", 0)),
        ], on: makeModel(failback: true))
    }

    @Test func turningFailbackOnMovesToAHigherServerAtOnce() {
        run(allUpOnA + [
            Step(.activate("c"), ["a>c manual"]),
            Step(.failback(true), ["c>a failback"]),
            Step(.failback(false)),
        ])
    }

    @Test func noActiveServerAndRecoveryFromIt() {
        let model = run([
            Step(.pass("a"), ["a:up", "->a startup"]),
            Step(.pass("b"), ["b:up"]),
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.fail("b")),
            Step(.fail("b"), ["b:down", "b>- failure"]),
            Step(.pass("b")),
            Step(.pass("b"), ["b:up", "->b failure"]),
        ], on: makeModel(["a", "b"]))
        #expect(model.active == "b")
    }

    /// `rise` passes in a row turn down into up, `fall` failures in a row turn up into
    /// down; one contrary result restarts the run.
    @Test(arguments: [(1, 1), (2, 3), (3, 2), (4, 1), (1, 4)])
    func riseAndFallHysteresis(rise: Int, fall: Int) {
        var steps = [Step(.pass("a"), ["a:up", "->a startup"])]
        steps += Array(repeating: Step(.fail("a")), count: fall - 1)
        steps += [Step(.pass("a"))]
        steps += Array(repeating: Step(.fail("a")), count: fall - 1)
        steps += [Step(.fail("a"), ["a:down", "a>- failure"])]
        steps += Array(repeating: Step(.pass("a")), count: rise - 1)
        steps += [Step(.fail("a"))]
        steps += Array(repeating: Step(.pass("a")), count: rise - 1)
        steps += [Step(.pass("a"), ["a:up", "->a failure"])]
        run(steps, on: makeModel(["a"], rise: rise, fall: fall))
    }

    @Test func firstVerdictIsImmediateWhateverTheThresholds() {
        run([
            Step(.fail("a"), ["a:down"]),
            Step(.pass("b"), ["b:up", "->b startup"]),
        ], on: makeModel(rise: 5, fall: 5))
    }

    @Test func checksOfUnknownServersAreIgnored() {
        run(allUpOnA + [Step(.fail("zz")), Step(.pass("zz"))])
    }
}
