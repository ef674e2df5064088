import HTTP1
import Testing
@testable import HTTPExchange

/// When a request that got nothing back is sent again, and where.
@Suite struct RetryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        var method: HTTPMethod = .get
        var bodyComplete = true
        var headSent = true
        var bodyStreamed = false
        var reused = false
        var serverStillActive = true
        var responseStarted = false
        var end: HTTPExchange.UpstreamEnd = .eof
        let expected: Action
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "GET, fresh connection, closed before responding: next server",
             expected: .retryNextServer(failed: "a", detail: "closed before responding", tried: ["a"])),
        Case(name: "GET reset: next server with the error as detail", end: .failed("read: ECONNRESET"),
             expected: .retryNextServer(failed: "a", detail: "read: ECONNRESET", tried: ["a"])),
        Case(name: "POST sent: not idempotent, 502", method: .post,
             expected: .respondError(status: 502, retryAfter: nil)),
        Case(name: "POST not sent yet: next server", method: .post, headSent: false,
             expected: .retryNextServer(failed: "a", detail: "closed before responding", tried: ["a"])),
        Case(name: "PUT with its whole body held: idempotent, next server", method: .put,
             expected: .retryNextServer(failed: "a", detail: "closed before responding", tried: ["a"])),
        Case(name: "GET whose body was already streamed: 502", bodyStreamed: true,
             expected: .respondError(status: 502, retryAfter: nil)),
        Case(name: "GET whose body is not all read: 502", bodyComplete: false,
             expected: .respondError(status: 502, retryAfter: nil)),
        Case(name: "stale pooled connection: same server, fresh connection", reused: true,
             expected: .retrySameServer(server: "a")),
        Case(name: "stale pooled connection, server no longer active: next server", reused: true,
             serverStillActive: false,
             expected: .retryNextServer(failed: "a", detail: "closed before responding", tried: ["a"])),
        Case(name: "stale pooled connection, POST sent: 502", method: .post, reused: true,
             expected: .respondError(status: 502, retryAfter: nil)),
        Case(name: "closed mid-head: 502, no retry", responseStarted: true,
             expected: .respondError(status: 502, retryAfter: nil)),
    ]

    @Test(arguments: cases)
    func earlyClose(_ c: Case) {
        var exchange = attachedExchange(.init(method: c.method, bodyComplete: c.bodyComplete), reused: c.reused)
        if c.headSent { exchange.requestSent(body: c.bodyStreamed) }
        if c.responseStarted { exchange.responseBytes(now: 1) }
        let action = exchange.upstreamClosed(c.end, serverStillActive: c.serverStillActive, now: 1)
        #expect(action == c.expected)
    }

    @Test func theStaleRetryIsSpentOnce() {
        var exchange = attachedExchange(reused: true)
        exchange.requestSent(body: false)
        #expect(exchange.upstreamClosed(.eof, serverStillActive: true, now: 1) == .retrySameServer(server: "a"))
        #expect(exchange.upstreamAttached(reused: true, now: 1) == .sendRequest)
        exchange.requestSent(body: false)
        #expect(exchange.upstreamClosed(.eof, serverStillActive: true, now: 1)
                == .retryNextServer(failed: "a", detail: "closed before responding", tried: ["a"]))
    }

    @Test func eachServerIsTriedOnce() {
        var exchange = routedExchange(server: "a")
        #expect(exchange.connectFailed(.server("refused"), now: 1) == .retryNextServer(failed: "a", detail: "refused", tried: ["a"]))
        #expect(exchange.routed(server: "b", shuttingDown: false, now: 1) == .connect(server: "b", .pooled(verify: false)))
        #expect(exchange.connectFailed(.server("timed out"), now: 1)
                == .retryNextServer(failed: "b", detail: "timed out", tried: ["a", "b"]))
        // The role has nothing left: 503 with Retry-After.
        #expect(exchange.routed(server: nil, shuttingDown: false, now: 1) == .respondError(status: 503, retryAfter: 1))
    }

    @Test func aLocalShortageIsNotTheServersFault() {
        var exchange = routedExchange()
        #expect(exchange.connectFailed(.localShortage("EMFILE"), now: 1) == .respondError(status: 503, retryAfter: 1))
        #expect(exchange.record?.cause == "local resource: EMFILE")
    }

    @Test func aCancelledConnectDoesNothing() {
        var exchange = routedExchange()
        #expect(exchange.connectFailed(.cancelled, now: 1) == .none)
    }

    @Test func aLostRouteStopsTheConnectUnderWay() {
        var exchange = routedExchange(server: "a")
        #expect(exchange.routeLost(server: "b") == .none)
        #expect(exchange.routeLost(server: "a") == .cancelConnectAndRoute(tried: []))
        #expect(exchange.routed(server: "b", shuttingDown: false, now: 1) == .connect(server: "b", .pooled(verify: false)))
    }

    /// A request that could not be resent must not go out on a pooled connection that may be closed.
    @Test(arguments: [
        (HTTPMethod.get, true, false, HTTPExchange.PoolUse.pooled(verify: false)),
        (.post, true, false, .pooled(verify: true)),
        (.get, false, false, .pooled(verify: true)),
        (.get, true, true, .connectOnly),
    ])
    func poolUse(method: HTTPMethod, bodyComplete: Bool, shuttingDown: Bool, expected: HTTPExchange.PoolUse) {
        var exchange = HTTPExchange(settings: settings(), now: 0)
        #expect(exchange.requestHead(.init(method: method, bodyComplete: bodyComplete)) == .route(tried: []))
        #expect(exchange.routed(server: "a", shuttingDown: shuttingDown, now: 0) == .connect(server: "a", expected))
    }
}
