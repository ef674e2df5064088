import HTTP1
@testable import HTTPExchange

/// Timeouts small enough to read in a table: head 10, idle 100, linger 5 (nanoseconds).
func settings(compress: Bool = false) -> HTTPExchange.Settings {
    HTTPExchange.Settings(headTimeout: 10, idleTimeout: 100, lingerTime: 5, compress: compress)
}

typealias Action = HTTPExchange.Action

/// A connection whose request `facts` is routed to `server` (no upstream yet).
func routedExchange(_ facts: HTTPExchange.RequestFacts = .init(method: .get), server: String = "a",
                    compress: Bool = false) -> HTTPExchange {
    var exchange = HTTPExchange(settings: settings(compress: compress), now: 0)
    _ = exchange.requestHead(facts)
    _ = exchange.routed(server: server, shuttingDown: false, now: 0)
    return exchange
}

/// A connection whose request is on an upstream connection to `server`.
func attachedExchange(_ facts: HTTPExchange.RequestFacts = .init(method: .get), server: String = "a",
                      reused: Bool = false, compress: Bool = false) -> HTTPExchange {
    var exchange = routedExchange(facts, server: server, compress: compress)
    _ = exchange.upstreamAttached(reused: reused, now: 0)
    return exchange
}
