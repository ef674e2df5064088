import HTTP1
import Testing
@testable import HTTPExchange

/// Time is an input: each deadline is checked with a `now` given by the test.
@Suite struct DeadlineTests {
    @Test func aSlowHeadIs408() {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        #expect(exchange.deadline == 10)
        #expect(exchange.deadline(now: 9) == .none)
        #expect(exchange.deadline(now: 10) == .respondError(status: 408, retryAfter: nil))
        #expect(exchange.record?.cause == "head-timeout")
    }

    @Test func aSilentServerIs504() {
        var exchange = attachedExchange()
        #expect(exchange.deadlineKind == .response)
        #expect(exchange.deadline(now: 100) == .respondError(status: 504, retryAfter: nil))
    }

    @Test func progressPushesTheResponseWaitBack() {
        var exchange = attachedExchange()
        exchange.progress(now: 50)
        #expect(exchange.deadline(now: 100) == .none)
        #expect(exchange.deadline(now: 150) == .respondError(status: 504, retryAfter: nil))
    }

    @Test func aStalledTransferCloses() {
        var exchange = attachedExchange()
        _ = exchange.responseHead(.init(status: 200), shuttingDown: false, now: 10)
        #expect(exchange.deadlineKind == .transfer)
        #expect(exchange.deadline(now: 110) == .close(cause: "idle-timeout"))
    }

    @Test func aStalledUpgradeResponseCloses() {
        var exchange = attachedExchange(.init(method: .get, isUpgrade: true))
        _ = exchange.responseHead(.init(status: 101, isUpgrade: true), shuttingDown: false, now: 0)
        #expect(exchange.deadline(now: 100) == .close(cause: "upstream-timeout"))
    }

    @Test func anIdleConnectionClosesQuietly() {
        var exchange = attachedExchange()
        _ = exchange.responseHead(.init(status: 204, bodyComplete: true), shuttingDown: false, now: 0)
        _ = exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 0)
        #expect(exchange.deadlineKind == .idle)
        #expect(exchange.deadline(now: 100) == .close(cause: ""))
    }

    @Test func theFirstByteOfAHeadStartsTheHeadWait() {
        var exchange = attachedExchange()
        _ = exchange.responseHead(.init(status: 204, bodyComplete: true), shuttingDown: false, now: 0)
        _ = exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 0)
        exchange.clientBytes(now: 50)
        #expect(exchange.deadlineKind == .head)
        #expect(exchange.deadline(now: 60) == .respondError(status: 408, retryAfter: nil))
    }

    @Test func noDeadlineWhileRouting() {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        _ = exchange.requestHead(.init(method: .get))
        #expect(exchange.deadline == 0)
        #expect(exchange.deadline(now: 1_000) == .none)
    }

    @Test func heldWithoutARouteIs503WithRetryAfter() {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        _ = exchange.requestHead(.init(method: .get))
        #expect(exchange.routed(server: nil, shuttingDown: false, now: 5) == .respondError(status: 503, retryAfter: 1))
        #expect(exchange.record?.cause == "no server")
        #expect(exchange.deadlineKind == .transfer)
    }

    @Test func turnedAwayByAFullHoldQueueIs503WithItsOwnCause() {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        _ = exchange.requestHead(.init(method: .get))
        #expect(exchange.noRoute(cause: "hold-queue full", now: 5) == .respondError(status: 503, retryAfter: 1))
        #expect(exchange.record?.cause == "hold-queue full")
        #expect(exchange.noRoute(cause: "hold-queue full", now: 6) == .none)  // answered already
    }

    @Test func closeAfterResponseClosesAnIdleConnectionNow() {
        var idle = HTTPExchange(settings: settings(), now: 0)
        #expect(idle.closeAfterResponse(clientBufferEmpty: true) == .close(cause: ""))
        var busy = attachedExchange()
        #expect(busy.closeAfterResponse(clientBufferEmpty: true) == .none)
        _ = busy.responseHead(.init(status: 200, bodyComplete: true), shuttingDown: false, now: 0)
        #expect(busy.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 0)
                == .finish(reusable: true, next: .close))
    }

    /// A server that answers before the request body is all in (an early 413, say): the rest
    /// of the body may still come, and a close now could reset the answer away. Linger.
    @Test func anEarlyAnswerToAnUnfinishedBodyLingers() {
        var exchange = attachedExchange(.init(method: .post, keepAlive: false, bodyComplete: false))
        _ = exchange.responseHead(.init(status: 413, keepAlive: false, bodyComplete: true), shuttingDown: false, now: 1)
        #expect(exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 2)
                == .finish(reusable: false, next: .linger))
        #expect(exchange.deadlineKind == .linger)
    }
}
