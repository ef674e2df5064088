import HTTP1
import Testing
@testable import HTTPExchange

/// Response heads: interim ones, upgrades, keep-alive both ways, gzip on/off.
@Suite struct ResponseTests {
    struct KeepAliveCase: CustomTestStringConvertible, Sendable {
        let name: String
        var requestKeepAlive = true
        var responseKeepAlive = true
        var untilClose = false
        var closeWhenDone = false
        var shuttingDown = false
        var upstreamBufferEmpty = true
        var clientBufferEmpty = true
        let head: Action
        let finish: Action
        var testDescription: String { name }
    }

    static let keepAliveCases: [KeepAliveCase] = [
        KeepAliveCase(name: "both keep alive: next request, connection pooled",
                      head: .forwardHead(keepAlive: true, compress: false), finish: .finish(reusable: true, next: .nextRequest)),
        KeepAliveCase(name: "client closes, request read whole: close now, connection still pooled", requestKeepAlive: false,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: true, next: .close)),
        KeepAliveCase(name: "client closes with bytes after its request: linger", requestKeepAlive: false,
                      clientBufferEmpty: false,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: true, next: .linger)),
        KeepAliveCase(name: "server closes: next request, connection not pooled", responseKeepAlive: false,
                      head: .forwardHead(keepAlive: true, compress: false), finish: .finish(reusable: false, next: .nextRequest)),
        KeepAliveCase(name: "body until close: close now, not pooled", untilClose: true,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: false, next: .close)),
        KeepAliveCase(name: "on-failover close: close now", closeWhenDone: true,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: true, next: .close)),
        KeepAliveCase(name: "shutting down: close now", shuttingDown: true,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: true, next: .close)),
        KeepAliveCase(name: "on-failover close with bytes after the request: linger", closeWhenDone: true, clientBufferEmpty: false,
                      head: .forwardHead(keepAlive: false, compress: false), finish: .finish(reusable: true, next: .linger)),
        KeepAliveCase(name: "bytes past the response: connection not pooled", upstreamBufferEmpty: false,
                      head: .forwardHead(keepAlive: true, compress: false), finish: .finish(reusable: false, next: .nextRequest)),
    ]

    @Test(arguments: keepAliveCases)
    func keepAlive(_ c: KeepAliveCase) {
        var exchange = attachedExchange(.init(method: .get, keepAlive: c.requestKeepAlive))
        if c.closeWhenDone { #expect(exchange.closeAfterResponse(clientBufferEmpty: true) == .none) }
        exchange.responseBytes(now: 1)
        let head = HTTPExchange.ResponseFacts(status: 200, keepAlive: c.responseKeepAlive, untilClose: c.untilClose)
        #expect(exchange.responseHead(head, shuttingDown: c.shuttingDown, now: 1) == c.head)
        if c.untilClose {
            #expect(exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 2)
                    == .continueResponse)
            #expect(exchange.upstreamClosed(.eof, serverStillActive: true, now: 2) == .endBodyAtClose)
        } else {
            exchange.responseBodyFramed(complete: true)
        }
        #expect(exchange.outputDrained(upstreamBufferEmpty: c.upstreamBufferEmpty, clientBufferEmpty: c.clientBufferEmpty,
                                       shuttingDown: c.shuttingDown, now: 2) == c.finish)
        #expect(exchange.takeRecord()?.status == 200)
    }

    /// The second request of a pipeline waits in the buffer until the first response is out.
    @Test func pipelinedRequestsKeepTheirOrder() {
        var exchange = attachedExchange()
        #expect(exchange.requestHead(.init(method: .get)) == .none)  // too early: not taken
        _ = exchange.responseHead(.init(status: 200, bodyComplete: true), shuttingDown: false, now: 1)
        #expect(exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: false, shuttingDown: false, now: 2)
                == .finish(reusable: true, next: .nextRequest))
        // Bytes of the next head are buffered: its deadline is the head's, not the idle one.
        #expect(exchange.deadlineKind == .head)
        #expect(exchange.requestHead(.init(method: .get)) == .route(tried: []))
    }

    @Test(arguments: [(false, HTTPExchange.DeadlineKind.idle), (true, .head)])
    func theWaitAfterAResponse(bytesBuffered: Bool, expected: HTTPExchange.DeadlineKind) {
        var exchange = attachedExchange()
        _ = exchange.responseHead(.init(status: 204, bodyComplete: true), shuttingDown: false, now: 1)
        _ = exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: !bytesBuffered, shuttingDown: false, now: 2)
        #expect(exchange.deadlineKind == expected)
    }

    /// 100 Continue and friends: forwarded as received, except to HTTP/1.0 clients; the
    /// final head is still awaited.
    @Test(arguments: [(false, Action.forwardInterim), (true, .dropInterim)])
    func interimResponses(http10: Bool, expected: Action) {
        var exchange = attachedExchange(.init(method: .post, keepAlive: !http10, isHTTP10: http10, bodyComplete: false))
        exchange.responseBytes(now: 1)
        #expect(exchange.responseHead(.init(status: 100), shuttingDown: false, now: 1) == expected)
        #expect(exchange.record?.status == 0)
        #expect(exchange.response?.headDone == false)
        #expect(exchange.deadlineKind == .response)
        #expect(exchange.responseHead(.init(status: 200), shuttingDown: false, now: 1)
                == .forwardHead(keepAlive: !http10, compress: false))
    }

    @Test func anUpgradeBecomesATunnel() {
        var exchange = attachedExchange(.init(method: .get, isUpgrade: true))
        #expect(exchange.responseHead(.init(status: 101, isUpgrade: true), shuttingDown: false, now: 1) == .forwardUpgrade)
        #expect(exchange.isReceivingResponse == false)
        #expect(exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 1)
                == .startTunnel)
        #expect(exchange.deadline == 0)
        exchange.tunnelClosed(reason: "client-closed")
        #expect(exchange.takeRecord() == {
            var r = ExchangeRecord(); r.server = "a"; r.status = 101; r.cause = "tunnel client-closed"; return r
        }())
    }

    @Test(arguments: [(true, false), (false, true)])
    func a101WithoutAnUpgradeOnBothSidesIs502(requestUpgrade: Bool, responseUpgrade: Bool) {
        var exchange = attachedExchange(.init(method: .get, isUpgrade: requestUpgrade))
        #expect(exchange.responseHead(.init(status: 101, isUpgrade: responseUpgrade), shuttingDown: false, now: 1)
                == .respondError(status: 502, retryAfter: nil))
        #expect(exchange.record?.cause == "101 without an upgrade request")
    }

    @Test(arguments: [(false, false, false), (false, true, false), (true, false, false), (true, true, true)])
    func gzip(compressOn: Bool, compressible: Bool, expected: Bool) {
        var exchange = attachedExchange(compress: compressOn)
        #expect(exchange.responseHead(.init(status: 200, compressible: compressible), shuttingDown: false, now: 1)
                == .forwardHead(keepAlive: true, compress: expected))
    }

    @Test func aBadResponseIs502BeforeItsHeadAndACloseAfter() {
        var before = attachedExchange()
        #expect(before.responseInvalid("bad response: x", now: 1) == .respondError(status: 502, retryAfter: nil))
        var after = attachedExchange()
        _ = after.responseHead(.init(status: 200), shuttingDown: false, now: 1)
        #expect(after.responseInvalid("bad response body: x", now: 1) == .close(cause: "bad response body: x"))
        #expect(after.takeRecord()?.cause == "bad response body: x")
    }

    @Test func aBadRequestBodyIsAnErrorResponseUnlessTheResponseBegan() {
        var early = attachedExchange(.init(method: .post, bodyComplete: false))
        #expect(early.requestRejected(status: 400, cause: "bad request body", now: 1) == .respondError(status: 400, retryAfter: nil))
        var late = attachedExchange(.init(method: .post, bodyComplete: false))
        _ = late.responseHead(.init(status: 200), shuttingDown: false, now: 1)
        #expect(late.requestRejected(status: 400, cause: "bad request body", now: 1) == .close(cause: "bad request body"))
    }

    @Test func theServersCloseMidBodyEndsTheConnection() {
        var exchange = attachedExchange()
        exchange.responseBytes(now: 1)
        _ = exchange.responseHead(.init(status: 200), shuttingDown: false, now: 1)
        #expect(exchange.upstreamClosed(.eof, serverStillActive: true, now: 1) == .close(cause: "server closed mid-body"))
        #expect(exchange.upstreamClosed(.eof, serverStillActive: true, now: 1) == .none)
    }

    @Test func anErrorResponseLingersOnceWritten() {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        #expect(exchange.requestRejected(status: 400, cause: "bad request", now: 1) == .respondError(status: 400, retryAfter: nil))
        #expect(exchange.outputDrained(upstreamBufferEmpty: true, clientBufferEmpty: true, shuttingDown: false, now: 2) == .linger)
        #expect(exchange.deadlineKind == .linger)
        #expect(exchange.takeRecord()?.status == 400)
        #expect(exchange.clientClosed(midHead: false) == .close(cause: ""))
    }
}
