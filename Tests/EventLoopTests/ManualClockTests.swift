import TestSupport
import Dispatch
import Testing
@testable import EventLoop

/// Deadlines come from the loop's clock: a manual clock drives them without sleeping.
extension TimerQueueTests {
    @Test func aTimerFiresOnlyOnceTheLoopsClockReachesItsDeadline() {
        let clock = ManualClock()
        let loop = EventLoop(clock: clock)
        let fired = Collected<String>()
        loop.scheduleTimer(after: .seconds(30)) { fired.append("30s") }
        loop.scheduleTimer(after: .seconds(60)) { fired.append("60s") }
        let runDue = { onLoop(loop) { loop.timers.fireDue() } }

        runDue()
        #expect(fired.all == [])
        clock.advance(by: .seconds(29))
        runDue()
        #expect(fired.all == [])
        clock.advance(by: .seconds(1))
        runDue()
        #expect(fired.all == ["30s"])
        clock.advance(by: .seconds(3600))
        runDue()
        #expect(fired.all == ["30s", "60s"])
        #expect(onLoop(loop) { loop.timers.count } == 0)
    }

    @Test func instantArithmeticSaturatesAndMeasuresBothWays() {
        let start = MonotonicInstant(nanoseconds: 5_000)
        #expect((start + .microseconds(3)).nanoseconds == 8_000)
        #expect(start + .seconds(-1) == start)
        #expect((MonotonicInstant(nanoseconds: .max - 1) + .seconds(1)).nanoseconds == .max)
        #expect(MonotonicInstant(nanoseconds: 8_000) - start == .microseconds(3))
        #expect(start - MonotonicInstant(nanoseconds: 8_000) == .microseconds(-3))
    }

    /// The system clock is the one Dispatch arms timers in: Dispatch's now lies between two readings.
    @Test func theSystemClockIsDispatchsUptimeClock() {
        let before = SystemClock().now.nanoseconds
        let dispatch = DispatchTime.now().uptimeNanoseconds
        let after = SystemClock().now.nanoseconds
        #expect(before <= dispatch && dispatch <= after)
    }
}
