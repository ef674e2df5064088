import EventLoop
import TestSupport
import Testing
@testable import Proxy

/// The cluster's gate stops forwarding once the member's freshness runs out on its clock.
struct ClusterGateTests {
    @Test func aStoppingGateClosesWhenItsClockPassesTheFreshnessDeadline() {
        let clock = ManualClock()
        let gate = ClusterGate(stopsWhenStale: true, clock: clock)
        #expect(!gate.mayForward, "stale until the first round trip")
        gate.setFresh(until: .now + .seconds(10))
        #expect(gate.mayForward)
        clock.advance(by: .seconds(9))
        #expect(gate.mayForward)
        clock.advance(by: .seconds(2))
        #expect(!gate.mayForward)
        gate.setFresh(until: nil)
        #expect(!gate.mayForward)
    }

    @Test func aHoldingGateForwardsWhateverTheClockSays() {
        let clock = ManualClock()
        let gate = ClusterGate(stopsWhenStale: false, clock: clock)
        clock.advance(by: .seconds(3600))
        #expect(gate.mayForward)
    }
}
