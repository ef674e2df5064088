import FailoverModel
import Testing

/// SPEC §4/§5: manual activation, add/remove, authoritative events and feed authority.
@Suite struct OperatorTests {
    @Test func manualActivationMovesTheRole() {
        run(allUpOnA + [
            Step(.activate("c"), ["a>c manual"]),
            Step(.activate("c")),
            Step(.activate("zz"), throws: .unknownServer("zz")),
        ])
    }

    @Test func manualActivationRefusesServersThatAreNotUp() {
        run(allUpOnA + [
            Step(.fail("b")),
            Step(.fail("b"), ["b:down"]),
            Step(.activate("b"), throws: .serverNotAvailable("b", state: .down)),
            Step(.maintenance("c", true), ["c:maintenance"]),
            Step(.activate("c"), throws: .serverNotAvailable("c", state: .maintenance)),
            Step(.add("d")),
            Step(.activate("d"), throws: .serverNotAvailable("d", state: .unknown)),
        ])
    }

    @Test func manualActivationBelowAnUpServerIsRefusedWithFailbackOn() {
        run(allUpOnA + [
            Step(.activate("b"), throws: .failbackOverrides(server: "b", preferred: "a")),
            Step(.feed(true)),
            Step(.activate("b"), ["a>b manual"]),  // failback is suppressed under the feed
        ], on: makeModel(failback: true))
    }

    @Test func addedServersStartUnknownAtTheBottom() {
        let model = run(allUpOnA + [
            Step(.add("d")),
            Step(.add("d"), throws: .duplicateServer("d")),
            Step(.add(""), throws: .invalidServerName("")),
            Step(.pass("d"), ["d:up"]),
        ])
        #expect(model.servers.map(\.name) == ["a", "b", "c", "d"])
    }

    @Test func removingTheActiveServerIsAManualMove() {
        let model = run(allUpOnA + [
            Step(.remove("c")),
            Step(.remove("a"), ["a>b manual"]),
            Step(.remove("b"), throws: .lastServer("b")),
            Step(.remove("zz"), throws: .unknownServer("zz")),
        ])
        #expect(model.servers.map(\.name) == ["b"])
    }

    @Test func removingTheActiveWithNothingElseUpLeavesNoActive() {
        run([
            Step(.pass("a"), ["a:up", "->a startup"]),
            Step(.fail("b"), ["b:down"]),
            Step(.remove("a"), ["a>- manual"]),
        ], on: makeModel(["a", "b"]))
    }

    @Test func removingTheServerStartupWaitsForLetsItChoose() {
        run([
            Step(.pass("b"), ["b:up"]),
            Step(.remove("a"), ["->b startup"]),
        ])
    }

    @Test func eventNamingAnUpServerIsFollowed() {
        run(allUpOnA + [
            Step(.event("b"), ["a>b event"]),
            Step(.event("b")),
        ])
    }

    @Test func eventNamingADownOrMaintenanceOrUnlistedServerIsIgnored() {
        let model = run(allUpOnA + [
            Step(.fail("b")),
            Step(.fail("b"), ["b:down"]),
            Step(.event("b")),
            Step(.maintenance("c", true), ["c:maintenance"]),
            Step(.event("c")),
            Step(.event("zz")),
        ])
        #expect(model.active == "a")
    }

    @Test func eventNamingAnUnknownServerIsFollowedOnceItIsUp() {
        run(allUpOnA + [
            Step(.add("d")),
            Step(.event("d")),
            Step(.pass("d"), ["d:up", "a>d event"]),
        ])
    }

    @Test func eventNamingAnUnknownServerIsDroppedWhenItIsDown() {
        run(allUpOnA + [
            Step(.add("d")),
            Step(.event("d")),
            Step(.fail("d"), ["d:down"]),
            Step(.pass("d")),
            Step(.pass("d"), ["d:up"]),
        ])
    }

    @Test func eventDuringStartupIsPreferred() {
        run([
            Step(.event("b")),
            Step(.pass("a"), ["a:up"]),  // waits for the server the event named
            Step(.pass("b"), ["b:up", "->b event"]),
        ])
    }

    @Test func eventDuringStartupWithFailbackOnStillEndsOnTheTopServer() {
        run([
            Step(.event("b")),
            Step(.pass("a"), ["a:up"]),
            Step(.pass("b"), ["b:up", "->a startup"]),
        ], on: makeModel(failback: true))
    }

    @Test func eventBelowAnUpServerWithFailbackOnChangesNothing() {
        run(allUpOnA + [Step(.event("c"))], on: makeModel(failback: true))
    }

    @Test func feedAuthoritySuppressesFailbackButNotFailover() {
        run(allUpOnA + [
            Step(.feed(true)),
            Step(.fail("a")),
            Step(.fail("a"), ["a:down", "a>b failure"]),
            Step(.pass("a")),
            Step(.pass("a"), ["a:up"]),
            Step(.move("c", 0)),
            Step(.event("c"), ["b>c event"]),
            Step(.maintenance("c", true), ["c:maintenance", "c>a maintenance"]),
            Step(.event("b"), ["a>b event"]),
            Step(.feed(false), ["b>a failback"]),
        ], on: makeModel(failback: true))
    }

    @Test func feedAuthorityDroppedWithFailbackOffChangesNothing() {
        run(allUpOnA + [
            Step(.feed(true)),
            Step(.event("c"), ["a>c event"]),
            Step(.feed(false)),
        ])
    }
}
