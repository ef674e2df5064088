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

extension IOTests {
    /// A connect's timeout is a deadline on its loop's clock: it runs out when the clock
    /// says so, however long the test took.
    @Test func aConnectTimesOutWhenTheLoopsClockPassesItsTimeout() throws {
        let full = try #require(BlockingListener(backlog: 0))
        defer { full.close() }
        let group = EventLoopGroup(count: 1)
        let (fillers, outcome) = full.fillBacklog(loop: group.next())
        defer { for f in fillers { f.close() } }
        guard case .failure = outcome else { Issue.record("backlog never filled: \(String(describing: outcome))"); return }

        let clock = ManualClock()
        let loop = EventLoop(clock: clock)
        let result = Promise<Result<Socket, ConnectError>>()
        Connector.connect(to: SocketAddress(host: "127.0.0.1", port: full.port)!, on: loop, timeout: .seconds(5)) {
            result.fulfill($0)
        }
        let runDue = { TimerQueueTests().onLoop(loop) { loop.timers.fireDue() } }
        runDue()  // after the connect's set-up on the loop: its deadline is taken
        clock.advance(by: .milliseconds(4_999))
        runDue()
        #expect(result.wait(seconds: 0) == nil, "timed out before its deadline")
        clock.advance(by: .milliseconds(1))
        runDue()
        guard case .failure(let error) = try #require(result.wait()) else { Issue.record("connected through a full backlog"); return }
        #expect(error == .timedOut)
    }
}
