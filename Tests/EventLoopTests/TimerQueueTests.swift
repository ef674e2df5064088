import TestSupport
import Dispatch
import Testing
@testable import EventLoop

/// The per-loop timer heap behind `scheduleTimer` and the connect/idle timeouts.
struct TimerQueueTests {
    /// Runs `body` on `loop` and waits for it.
    func onLoop<T>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
        let result = Promise<UncheckedBox<T>>()
        loop.execute { result.fulfill(UncheckedBox(body())) }
        return result.wait()!.value
    }

    @Test func timersFireInDeadlineOrderWhateverTheOrderTheyWereAdded() {
        let loop = EventLoop()
        let fired = Collected<Int>()
        let done = Promise<Void>()
        let delays = [7, 3, 9, 1, 5, 2, 8, 4, 6]
        loop.execute {
            for d in delays {
                loop.scheduleTimer(after: .milliseconds(d * 5)) { fired.append(d) }
            }
            loop.scheduleTimer(after: .milliseconds(100)) { done.fulfill(()) }
        }
        #expect(done.wait() != nil)
        #expect(fired.all == delays.sorted())
        #expect(onLoop(loop) { loop.timers.count } == 0)
    }

    @Test func cancelledTimersNeverFireAndTheRestKeepTheirOrder() {
        let loop = EventLoop()
        let fired = Collected<Int>()
        let done = Promise<Void>()
        loop.execute {
            // Shuffled, so cancelling removes entries from the middle of the heap.
            var handles: [Int: TimerHandle] = [:]
            for d in [13, 2, 19, 7, 11, 5, 17, 3, 23, 29, 31, 37, 41, 43, 47] {
                handles[d] = loop.scheduleTimer(after: .milliseconds(d * 2)) { fired.append(d) }
            }
            for (d, handle) in handles where d % 3 == 2 { handle.cancel() }  // 2, 5, 11, 17, 23, 29, 41, 47
            loop.scheduleTimer(after: .milliseconds(120)) { done.fulfill(()) }
        }
        #expect(done.wait() != nil)
        #expect(fired.all == [3, 7, 13, 19, 31, 37, 43])
        #expect(onLoop(loop) { loop.timers.count } == 0)
    }

    @Test func aTimerCancelledByAnotherDueAtTheSameTurnDoesNotFire() {
        let loop = EventLoop()
        let fired = Collected<String>()
        let done = Promise<Void>()
        loop.execute {
            let deadline = loop.deadline(after: .milliseconds(5))
            let second = TimerHandle(loop: loop, deadline: deadline) { fired.append("second") }
            let first = TimerHandle(loop: loop, deadline: deadline - 1) {
                fired.append("first")
                second.cancel()
            }
            loop.timers.insert(second)
            loop.timers.insert(first)
            loop.scheduleTimer(after: .milliseconds(50)) { done.fulfill(()) }
        }
        #expect(done.wait() != nil)
        #expect(fired.all == ["first"])
    }

    @Test func cancelFromAnotherThreadRemovesTheTimerAndIsIdempotent() {
        let loop = EventLoop()
        let fired = Collected<Int>()
        var handles: [TimerHandle] = []
        // Even ones are an hour away: only a cancel that does not work would let them fire,
        // or leave them in the heap.
        for i in 0..<200 {
            let delay: Duration = i % 2 == 0 ? .seconds(3600) : .milliseconds(i % 20)
            handles.append(loop.scheduleTimer(after: delay) { fired.append(i) })
        }
        for (i, handle) in handles.enumerated() where i % 2 == 0 {
            handle.cancel()
            handle.cancel()
        }
        let done = Promise<Void>()
        loop.scheduleTimer(after: .milliseconds(60)) { done.fulfill(()) }
        #expect(done.wait() != nil)
        #expect(Set(fired.all) == Set(stride(from: 1, to: 200, by: 2)))
        let nonePending = handles.allSatisfy { $0.isCancelled }  // fired or cancelled
        #expect(nonePending)
        #expect(onLoop(loop) { loop.timers.count } == 0)
    }

    @Test func aReusableHandleFiresAgainAfterRearmAndNotAfterCancel() {
        let loop = EventLoop()
        let fired = Collected<Int>()
        let twice = Promise<Void>()
        let handle = onLoop(loop) { () -> TimerHandle in
            var box: TimerHandle?
            let handle = loop.scheduleLoopTimer(after: .milliseconds(2), reusable: true) {
                fired.append(1)
                if fired.all.count == 1 {
                    box?.rearm(at: loop.deadline(after: .milliseconds(2)))
                } else {
                    twice.fulfill(())
                }
            }
            box = handle
            return handle
        }
        #expect(twice.wait() != nil)
        #expect(fired.all.count == 2)
        onLoop(loop) {
            handle.rearm(at: loop.deadline(after: .milliseconds(2)))
            handle.cancel()
        }
        let settled = Promise<Void>()
        loop.scheduleTimer(after: .milliseconds(30)) { settled.fulfill(()) }
        #expect(settled.wait() != nil)
        #expect(fired.all.count == 2)
        #expect(onLoop(loop) { loop.timers.count } == 0)
    }
}

struct UncheckedBox<T>: @unchecked Sendable {  // handed from the loop to the waiting test thread once
    let value: T
    init(_ value: T) { self.value = value }
}
