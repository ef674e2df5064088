import Cluster
import FailoverModel
import Testing

/// The leader's two-step planned move, driven exactly (no store, no clock).
@Suite struct MovePlannerTests {
    let t0 = ContinuousClock.now
    let at = Timestamp(milliseconds: 5_000)
    let none: (acked: [String], waiting: [String]) = ([], [])

    func decision(_ server: String?, _ reason: FailoverReason) -> MovePlanner.Decision {
        MovePlanner.Decision(server: server, reason: reason, at: at)
    }

    @Test func theFirstDecisionIsWrittenAsItIs() {
        var planner = MovePlanner(staleAfter: .seconds(5))
        #expect(planner.plan(decision("a", .startup), published: nil, revision: 0, acks: none, now: t0)
            == .write(ActiveRecord(server: "a", from: nil, reason: .startup, at: at)))
    }

    @Test func nothingToWriteWhenTheStoreAgrees() {
        var planner = MovePlanner(staleAfter: .seconds(5))
        let published = ActiveRecord(server: "a", from: nil, reason: .startup, at: at)
        #expect(planner.plan(decision("a", .failure), published: published, revision: 4, acks: none, now: t0) == .nothing)
    }

    @Test func aFailureMoveSkipsTheWait() {
        var planner = MovePlanner(staleAfter: .seconds(5))
        let published = ActiveRecord(server: "a", from: nil, reason: .startup, at: at)
        #expect(planner.plan(decision("b", .failure), published: published, revision: 4, acks: none, now: t0)
            == .write(ActiveRecord(server: "b", from: "a", reason: .failure, at: at)))
    }

    @Test(arguments: [FailoverReason.maintenance, .manual, .reorder, .failback, .event])
    func aPlannedMoveWritesNoServerFirstThenWaitsForEveryAck(reason: FailoverReason) {
        var planner = MovePlanner(staleAfter: .seconds(5))
        let published = ActiveRecord(server: "a", from: nil, reason: .startup, at: at)
        let stepOne = ActiveRecord(server: nil, from: "a", reason: reason, at: at, moving: true, to: "b")
        #expect(planner.plan(decision("b", reason), published: published, revision: 4, acks: none, now: t0) == .write(stepOne))
        // Step one is in the store at revision 9; p2 has not acknowledged it yet.
        #expect(planner.plan(decision("b", reason), published: stepOne, revision: 9, acks: (["p1"], ["p2"]), now: t0)
            == .wait(until: t0 + .seconds(5), waitingFor: ["p2"]))
        #expect(planner.plan(decision("b", reason), published: stepOne, revision: 9, acks: (["p1"], ["p2"]), now: t0 + .seconds(1))
            == .wait(until: t0 + .seconds(5), waitingFor: ["p2"]))
        let final = ActiveRecord(server: "b", from: "a", reason: reason, at: at)
        #expect(planner.plan(decision("b", reason), published: stepOne, revision: 9, acks: (["p1", "p2"], []), now: t0 + .seconds(1))
            == .write(final))
    }

    @Test func aMemberThatNeverAcknowledgesIsWaitedForStaleAfterAtMost() {
        var planner = MovePlanner(staleAfter: .seconds(5))
        let stepOne = ActiveRecord(server: nil, from: "a", reason: .maintenance, at: at, moving: true, to: "b")
        _ = planner.plan(decision("b", .maintenance), published: stepOne, revision: 9, acks: ([], ["p2"]), now: t0)
        #expect(planner.plan(decision("b", .maintenance), published: stepOne, revision: 9, acks: ([], ["p2"]), now: t0 + .seconds(5))
            == .write(ActiveRecord(server: "b", from: "a", reason: .maintenance, at: at)))
    }

    @Test func aDecisionThatChangedDuringTheWaitIsTheOneWritten() {
        var planner = MovePlanner(staleAfter: .seconds(5))
        let stepOne = ActiveRecord(server: nil, from: "a", reason: .maintenance, at: at, moving: true, to: "b")
        _ = planner.plan(decision("b", .maintenance), published: stepOne, revision: 9, acks: ([], ["p2"]), now: t0)
        // Back to the old server (maintenance switched off again): no need to wait.
        #expect(planner.plan(decision("a", .manual), published: stepOne, revision: 9, acks: ([], ["p2"]), now: t0)
            == .write(ActiveRecord(server: "a", from: "a", reason: .manual, at: at)))
        // Nothing is up any more: "no server" needs no wait either.
        #expect(planner.plan(decision(nil, .failure), published: stepOne, revision: 9, acks: ([], ["p2"]), now: t0)
            == .write(ActiveRecord(server: nil, from: "a", reason: .failure, at: at)))
    }

    @Test func onlyFinalRecordsAreEvents() {
        #expect(ActiveRecord(server: nil, from: "a", reason: .manual, at: at, moving: true, to: "b").event(role: "r") == nil)
        #expect(ActiveRecord(server: "b", from: "a", reason: .manual, at: at).event(role: "r")
            == FailoverEvent(role: "r", from: "a", to: "b", reason: .manual, at: at))
    }
}

@Suite struct FreshnessTests {
    let t0 = ContinuousClock.now

    @Test func freshOnlyWhileTheLastSuccessStartedLessThanStaleAfterAgo() {
        var freshness = Freshness(staleAfter: .seconds(3))
        #expect(!freshness.isFresh(at: t0))
        freshness.succeeded(startedAt: t0)
        #expect(freshness.isFresh(at: t0 + .milliseconds(2_999)))
        #expect(!freshness.isFresh(at: t0 + .seconds(3)))
        // A slow answer to an older call does not move freshness back.
        freshness.succeeded(startedAt: t0 + .seconds(2))
        freshness.succeeded(startedAt: t0 + .seconds(1))
        #expect(freshness.staleAt == t0 + .seconds(5))
        freshness.reset()
        #expect(!freshness.isFresh(at: t0 + .seconds(2)))
    }
}
