import FailoverModel
import Testing

/// SPEC §4: at start-up the role waits for the first verdicts before choosing.
@Suite struct StartupTests {
    @Test func startupWaitsForVerdictsOfServersAbove() {
        run([
            Step(.pass("b"), ["b:up"]),
            Step(.pass("c"), ["c:up"]),
            Step(.fail("a"), ["a:down", "->b startup"]),
        ])
    }

    @Test func startupPicksThePrimaryAsSoonAsItIsUp() {
        let model = run([Step(.pass("a"), ["a:up", "->a startup"])])
        #expect(!model.isStartingUp)
        #expect(model.active == "a")
    }

    @Test func startupSkipsServersInMaintenance() {
        run([
            Step(.maintenance("a", true), ["a:maintenance"]),
            Step(.pass("b"), ["b:up", "->b startup"]),
        ])
    }

    @Test func deadlinePicksTheFirstAvailableServer() {
        let model = run([
            Step(.pass("b"), ["b:up"]),
            Step(.deadline, ["->b startup"]),
            Step(.pass("a"), ["a:up"]),  // failback off: b keeps the role
            Step(.deadline),
        ])
        #expect(model.active == "b")
    }

    @Test func deadlineWithNothingUpLeavesNoActiveServer() {
        let model = run([
            Step(.fail("a"), ["a:down"]),
            Step(.deadline),
            // Out of start-up, the first server to come up takes the role at once; the
            // reason is that of the input which made it available (a check: failure).
            Step(.pass("c"), ["c:up", "->c failure"]),
        ])
        #expect(!model.isStartingUp)
    }

    @Test func everyVerdictDownKeepsWaitingUntilOneComesUp() {
        run([
            Step(.fail("a"), ["a:down"]),
            Step(.fail("b"), ["b:down"]),
            Step(.fail("c"), ["c:down"]),
            Step(.pass("c")),
            Step(.pass("c"), ["c:up", "->c startup"]),
        ])
    }

    @Test func startupWithFailbackOnPicksTheTopServerOnce() {
        run([
            Step(.pass("c"), ["c:up"]),
            Step(.fail("a"), ["a:down"]),
            Step(.pass("b"), ["b:up", "->b startup"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up", "b>a failback"]),
        ], on: makeModel(failback: true))
    }

    @Test func manualActivationEndsStartup() {
        let model = run([
            Step(.pass("b"), ["b:up"]),
            Step(.activate("b"), ["->b manual"]),
            Step(.pass("a"), ["a:up"]),
        ])
        #expect(model.active == "b")
        #expect(!model.isStartingUp)
    }
}
